import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers/temp-dir.js';

const cli = fileURLToPath(new URL('../lib/cli/main.js', import.meta.url));
const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'));

/** Runs the CLI to completion (these commands fail before opening anything, or only read). */
function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('--version and -V print the version', async (t) => {
  for (const flag of ['--version', '-V']) {
    const result = await runCli([flag]);
    t.is(result.code, 0);
    t.is(result.stdout.trim(), manifest.version);
  }
});

test('usage mistakes: exit 2, nothing on stdout, stderr names the bad command, flag or value', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--bogus'], /'--bogus'/],
    [['frob'], /unknown command 'frob'/],
    [['demo', '--documents', 'abc'], /'--documents' needs a whole number .* got 'abc'/],
    [['demo', '--documents', '0'], /'--documents'/],
    [['demo', '--documents', '1e3'], /'--documents'/],
    [['log', '--limit', '-5'], /'--limit'/],
    [['log', '--collection', 'x'], /'--collection' does not apply to 'log'/],
    [['demo', '--data'], /'--data/],
    [['status', '--chroma-url', 'not a url'], /'--chroma-url' needs a http:\/\/ or https:\/\/ URL/],
    [['log', '--limit', '-1'], /'--limit' needs a whole number from 1 to 10000, got '-1'/],
    [['bogus'], /unknown command 'bogus' \(commands: .*status.*changes, commit, checkout, branch.*pull\)/],
    [['changes', '--bogus'], /'--bogus'/],
    [['commit', '--dolt-url', 'http://x'], /'--dolt-url' needs a mysql:\/\/ URL/],
    [['log', 'extra'], /unexpected argument 'extra'/],
    [['push', '--hard', 'abc'], /option '--hard' does not apply to 'push'/],
    [['changes', '--preview'], /option '--preview' does not apply to 'changes'/],
    [['commit', '-m', 'x', '--create'], /option '--create' does not apply to 'commit'/],
    [['checkout', 'main', 'extra'], /unexpected argument 'extra'/],
    [['remote', 'frob'], /remote takes add or remove, got 'frob'/],
    [['remote', 'add', 'origin', 'file:///x', 'extra'], /unexpected argument 'extra'/],
    [['commit', '-m', 'x', '--data', ''], /'--data' needs a value/],
    [['changes', '--python', '/no/such/python', '--collection', 'x'], /option '--collection' does not apply to 'changes'/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(args);
    t.is(result.code, 2, args.join(' '));
    t.is(result.stdout, '', args.join(' '));
    t.regex(result.stderr, message, args.join(' '));
    t.notRegex(result.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('read-only commands on a mistyped data folder: exit 1 naming it, and nothing is created', async (t) => {
  const missing = join(tempDir(t, 'cli'), 'no-such-folder');
  for (const command of ['log', 'status']) {
    const result = await runCli([command, '--data', missing]);
    t.is(result.code, 1, command);
    t.regex(result.stderr, new RegExp(`no (version store|embedded Chroma database) at ${missing}`), command);
    t.false(existsSync(missing), `${command} created nothing`);
  }
});

test('read-only versioning commands on a mistyped data folder: exit 1 naming it, and nothing is created', async (t) => {
  const root = tempDir(t, 'cli-read-only');
  for (const args of [['changes'], ['show', 'HEAD'], ['branch'], ['tag'], ['remote'], ['merge', 'feature', '--preview']]) {
    const missing = join(root, args.join('-').replace(/[^a-z]/g, ''));
    const result = await runCli([...args, '--data', missing]);
    t.is(result.code, 1, args.join(' '));
    t.regex(result.stderr, /no (version store|embedded Chroma database) at .*check --data/, args.join(' '));
    t.false(existsSync(missing), `${args.join(' ')} created nothing`);
  }
});

test('a data folder that cannot be made (under /proc, or a file): exit 1 at once naming it, the file untouched', async (t) => {
  const file = join(tempDir(t, 'cli-file'), 'a-file');
  writeFileSync(file, 'mine');
  const cases: string[][] = [
    ['demo', '--data', '/proc/session-executor-probe', '--documents', '2'],
    ['commit', '-m', 'x', '--data', '/proc/session-executor-probe'],
    ['demo', '--data', file, '--documents', '2'],
    ['setup-python', '--dir', '/proc/session-executor-probe/env'],
  ];
  for (const args of cases) {
    const result = await runCli(args);
    t.is(result.code, 1, args.join(' '));
    t.regex(result.stderr, /the folder .* cannot be created or used \((ENOENT|ENOTDIR)\)/, args.join(' '));
  }
  t.is(readFileSync(file, 'utf8'), 'mine');
});

test('a versioning command with --help prints the versioning usage and opens nothing', async (t) => {
  const data = join(tempDir(t, 'cli-help'), 'data');
  for (const args of [['commit', '--help'], ['checkout', '-h']]) {
    const result = await runCli([...args, '--data', data]);
    t.is(result.code, 0, args.join(' '));
    t.regex(result.stdout, /checkout TARGET/);
    t.false(existsSync(data));
  }
});

test('a versioning command missing its argument is a usage error before anything is opened or created', async (t) => {
  const root = tempDir(t, 'cli-missing');
  const cases: Array<[string[], RegExp]> = [
    [['commit'], /commit needs -m MESSAGE/],
    [['commit', '-m', ''], /commit needs -m MESSAGE/],
    [['checkout'], /checkout needs a target/],
    [['merge'], /merge needs a branch/],
    [['resolve', 'doc-1'], /resolve needs ours or theirs/],
    [['resolve', 'doc-1', 'mine'], /resolve needs ours or theirs/],
    [['revert'], /revert needs a commit/],
    [['show'], /show needs a ref/],
    [['remote', 'add', 'origin'], /remote needs a url/],
    [['branch', '--delete'], /branch needs a branch name/],
    [['branch', '--rename', 'new'], /branch needs a branch name/],
    [['tag', '--delete'], /tag needs a tag name/],
  ];
  for (const [args, message] of cases) {
    const data = join(root, args.join('-').replace(/[^a-z0-9]/g, '') || 'empty');
    const result = await runCli([...args, '--data', data]);
    t.is(result.code, 2, args.join(' '));
    t.regex(result.stderr, message, args.join(' '));
    t.false(existsSync(data), `${args.join(' ')} created nothing`);
  }
});

test('a server URL of the wrong scheme is a usage error before anything is created, and never echoes the URL', async (t) => {
  const root = tempDir(t, 'cli-urls');
  const cases: Array<[string[], RegExp]> = [
    [['demo', '--dolt-url', 'http://user:secret@x'], /'--dolt-url' needs a mysql:\/\/ URL, got 'http:\/\/'/],
    [['demo', '--chroma-url', 'mysql://user:secret@x/db'], /'--chroma-url' needs a http:\/\/ or https:\/\/ URL/],
    [['status', '--dolt-url', 'file:///tmp/x'], /'--dolt-url' needs a mysql:\/\/ URL/],
    [['checkout', 'main', '--chroma-url', 'ftp://x'], /'--chroma-url'/],
  ];
  for (const [args, message] of cases) {
    const data = join(root, args.join('-').replace(/[^a-z]/g, ''));
    const result = await runCli([...args, '--data', data]);
    t.is(result.code, 2, args.join(' '));
    t.regex(result.stderr, message, args.join(' '));
    t.notRegex(result.stderr, /secret/, 'no credentials in the message');
    t.false(existsSync(data), `${args.join(' ')} created nothing`);
  }
});

test('a reader that goes away (`log | head -1`) ends the command quietly: no stack trace, no lock left behind', async (t) => {
  const { spawn } = await import('node:child_process');
  const { readdirSync } = await import('node:fs');
  const { DoltLiteStore } = await import('../lib/dolt/doltlite-store.js');
  const dir = tempDir(t, 'cli-epipe');
  const store = await DoltLiteStore.open({ path: join(dir, 'store.doltlite') });
  for (let i = 0; i < 20; i++) {
    await store.commitChanges({ collection: 'notes', message: `commit ${i} ${'x'.repeat(200)}`, upserts: [{ docId: `d${i}`, content: 'x', contentHash: 'a'.repeat(64), metadata: {} }], deletes: [] });
  }
  await store.close();
  const child = spawn(process.execPath, [cli, 'log', '--data', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy(); // the reader is gone before the first line is written
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  t.true(code === 141 || code === 0, `exit code ${code}`);
  t.notRegex(stderr, /EPIPE|Unhandled|at /);
  t.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.owner.lock')), []);
});
