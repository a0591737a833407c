import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isRunning, tempDir } from './helpers/temp-dir.js';

const cli = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));

/** Runs the CLI; resolves with its stdout and stderr lines and exit code. */
async function runCli(
  args: string[],
  onLine?: (line: string, child: ReturnType<typeof spawn>) => void,
  env: NodeJS.ProcessEnv = process.env,
) {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const lines: string[] = [];
  const errors: string[] = [];
  const stdoutDone = once(createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    onLine?.(line, child);
  }), 'close');
  const stderrDone = once(createInterface({ input: child.stderr! }).on('line', (line) => errors.push(line)), 'close');
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  await Promise.all([stdoutDone, stderrDone]);
  return { lines, errors, code, signal, pid: child.pid! };
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
  t.is(first.lines.length, 1, '--json: stdout holds the JSON document only');
  const summary = JSON.parse(first.lines[0]!);
  t.deepEqual(summary.firstDetect, { added: 120, modified: 0, deleted: 0 });
  t.deepEqual(summary.secondDetect, { added: 0, modified: 10, deleted: 6 });
  t.is(summary.commits.length, 2);
  t.is(summary.lastDiff.length, 16);
  t.true(first.errors.some((line) => line.includes('demo: edit 10, delete 6')), 'the log is shown (on stderr with --json)');
  t.true(first.errors.some((line) => /Chroma: high-water \d+/.test(line)), 'executor stats are shown');
  t.true(existsSync(join(data, 'store.doltlite')));
  t.deepEqual(childrenOf(first.pid), []);

  const second = await runCli(['demo', '--data', data, '--json']);
  t.is(second.code, 0);
  const again = JSON.parse(second.lines.at(-1)!);
  t.deepEqual(again.firstDetect, { added: 6, modified: 10, deleted: 0 }, 'the re-run restores what the last run changed');
  t.true(again.logLength >= 4);

  // log reads the store only: it works without any Python, which it would need if it started Chroma.
  const noPython = { ...process.env, SESSION_EXECUTOR_PYTHON: '/nonexistent/python' };
  const log = await runCli(['log', '--data', data], undefined, noPython);
  t.is(log.code, 0);
  t.true(log.lines.filter((line) => line.includes('demo:')).length >= 4);
  const logJson = await runCli(['log', '--data', data, '--json', '--limit', '2'], undefined, noPython);
  const commits = JSON.parse(logJson.lines.join('\n')) as Array<{ message: string; date: string }>;
  t.is(commits.length, 2);
  t.regex(commits[0]!.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'ISO 8601 commit dates');
  const status = await runCli(['status', '--data', data]);
  t.true(status.lines.some((line) => line.includes('0 added, 0 modified, 0 deleted')));
  const statusJson = await runCli(['status', '--data', data, '--json']);
  t.deepEqual(JSON.parse(statusJson.lines.join('\n')), { collection: 'demo-docs', added: [], modified: [], deleted: [] });
  const typo = await runCli(['status', '--data', data, '--collection', 'demo-dcos']);
  t.is(typo.code, 1);
  t.regex(typo.errors.join('\n'), /no collection "demo-dcos" .*collections: demo-docs/);
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

test('Ctrl-C during a versioning or read-only command closes what it opened: no process or owner lock left', async (t) => {
  const data = tempDir(t, 'cli-int');
  t.is((await runCli(['demo', '--data', data, '--documents', '5'])).code, 0);
  for (const command of [['changes'], ['status'], ['checkout', 'main']]) {
    const child = spawn(process.execPath, [cli, ...command, '--data', data], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    // Interrupt while the command opens its sessions: its first lock file is the sign it got that far. There
    // is no event for another process's files, so this looks for it, with a deadline that only catches a hang.
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(data, '.chroma.owner.lock')) && child.exitCode === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const childPids = childrenOf(child.pid!);
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    t.is(code, 130, `${command.join(' ')}: ${stderr}`);
    for (const pid of childPids) t.false(isRunning(pid), `${command.join(' ')}: process ${pid} is gone`);
    const left = readdirSync(data).filter((name) => name.endsWith('.owner.lock') || name.endsWith('.tmp'));
    t.deepEqual(left, [], `${command.join(' ')} released its locks`);
  }
});
