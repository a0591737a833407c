import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isRunning, tempDir } from './helpers/temp-dir.js';

const cli = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));

/** Runs the CLI; resolves with its output lines and exit code. */
async function runCli(args: string[], onLine?: (line: string, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    onLine?.(line, child);
  });
  child.stderr!.resume();
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  return { lines, code, signal, pid: child.pid! };
}

/** Processes whose parent is `pid` (what the CLI left running, if anything). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(join('/proc', entry, 'stat'), 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('npm run demo: two commits with the expected changes, then a re-run reuses the data folder', async (t) => {
  const data = tempDir(t, 'demo');
  const first = await runCli(['demo', '--data', data, '--json']);
  t.is(first.code, 0);
  const summary = JSON.parse(first.lines.at(-1)!);
  t.deepEqual(summary.firstDetect, { added: 120, modified: 0, deleted: 0 });
  t.deepEqual(summary.secondDetect, { added: 0, modified: 10, deleted: 6 });
  t.is(summary.commits.length, 2);
  t.is(summary.lastDiff.length, 16);
  t.true(first.lines.some((line) => line.includes('demo: edit 10, delete 6')), 'the log is shown');
  t.true(first.lines.some((line) => /Chroma: high-water \d+/.test(line)), 'executor stats are shown');
  t.true(existsSync(join(data, 'store.doltlite')));
  t.deepEqual(childrenOf(first.pid), []);

  const second = await runCli(['demo', '--data', data, '--json']);
  t.is(second.code, 0);
  const again = JSON.parse(second.lines.at(-1)!);
  t.deepEqual(again.firstDetect, { added: 6, modified: 10, deleted: 0 }, 'the re-run restores what the last run changed');
  t.true(again.logLength >= 4);

  const log = await runCli(['log', '--data', data]);
  t.is(log.code, 0);
  t.true(log.lines.filter((line) => line.includes('demo:')).length >= 4);
  const status = await runCli(['status', '--data', data]);
  t.true(status.lines.some((line) => line.includes('0 added, 0 modified, 0 deleted')));
});

test('Ctrl-C during the demo shuts everything down and leaves no process or temporary file', async (t) => {
  const data = tempDir(t, 'demo-int');
  let childPids: number[] = [];
  const run = await runCli(['demo', '--data', data, '--documents', '2000'], (line, child) => {
    if (line.startsWith('1. Write')) {
      childPids = childrenOf(child.pid!);
      child.kill('SIGINT');
    }
  });
  t.is(run.code, 130);
  t.true(childPids.length > 0, 'the Python session was running when interrupted');
  for (const pid of childPids) t.false(isRunning(pid), `process ${pid} is gone`);
  t.deepEqual(childrenOf(run.pid), []);
  t.false(readdirSync(data).some((name) => name.endsWith('.tmp')), 'no temporary snapshot left');
});

test('--help describes the commands and options', async (t) => {
  const help = await runCli(['--help']);
  t.is(help.code, 0);
  t.true(help.lines.some((line) => line.includes('--chroma-url')));
  t.true(help.lines.some((line) => line.includes('status')));
});
