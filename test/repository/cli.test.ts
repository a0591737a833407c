import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/temp-dir.js';

const main = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));
const run = promisify(execFile);

test('CLI: commit, branch, checkout, tag, changes and a typed failure, against the embedded defaults', async (t) => {
  const data = tempDir(t, 'repo-cli');
  const cli = async (...args: string[]) => (await run(process.execPath, [main, ...args, '--data', data])).stdout;
  t.regex(await cli('commit', '-m', 'nothing yet'), /Nothing to commit/);
  await cli('branch', 'feature');
  t.regex(await cli('branch'), /\* main[\s\S]*  feature|  feature[\s\S]*\* main/);
  t.regex(await cli('checkout', 'feature'), /On feature\. Chroma: 0 document\(s\) written, 0 removed/);
  await cli('tag', 'v1', '-m', 'first tag');
  t.regex(await cli('tag'), /v1\s+[0-9a-f]{12} first tag/);
  t.regex(await cli('changes'), /Nothing to commit/);
  const failed = await t.throwsAsync(cli('checkout', 'no-such-branch'));
  t.regex(String((failed as { stderr?: string }).stderr), /unknown ref/);
  t.regex(await cli('branch'), /\* feature/, 'the branch survived three reopens');
});

test('CLI: after demo the working copy is clean, reset keeps it clean, --json prints one JSON result; a damaged state file is named', async (t) => {
  const data = tempDir(t, 'repo-cli-demo');
  const cli = async (...args: string[]) => (await run(process.execPath, [main, ...args, '--data', data])).stdout;
  await cli('demo', '--documents', '5');
  t.regex(await cli('changes'), /^Nothing to commit\.\n$/);
  t.regex(await cli('reset'), /Chroma: 0 document\(s\) written, 0 removed/);
  const status = JSON.parse(await cli('changes', '--json')) as { clean: boolean; collections: Array<{ name: string; state: string }> };
  t.true(status.clean);
  t.deepEqual(status.collections.map((c) => [c.name, c.state]), [['demo-docs', 'unchanged']]);
  const branches = JSON.parse(await cli('branch', '--json')) as Array<{ name: string; current: boolean }>;
  t.deepEqual(branches.map((b) => [b.name, b.current]), [['main', true]]);
  t.regex(await cli('checkout', 'main'), /0 document\(s\) written, 0 removed/);

  // The first commit has no tables: refused, and the repository goes on working. A reset that deletes or
  // creates a collection says so.
  const log = JSON.parse(await cli('log', '--json')) as Array<{ hash: string; message: string }>;
  const refused = await t.throwsAsync(cli('reset', '--hard', log.at(-1)!.hash));
  t.regex(String((refused as { stderr?: string }).stderr), /predates the store's tables/);
  t.regex(await cli('changes'), /^Nothing to commit\.\n$/);
  const schema = log.find((c) => c.message === 'Create session-executor schema')!.hash;
  t.regex(await cli('reset', '--hard', schema), /collection\(s\) deleted: demo-docs/);
  t.regex(await cli('reset', '--hard', log[0]!.hash), /collection\(s\) created: demo-docs/);
  t.regex(await cli('changes'), /^Nothing to commit\.\n$/);

  const statePath = join(data, 'repository.json');
  writeFileSync(statePath, '{"branch": "ma');
  const failed = await t.throwsAsync(cli('changes'));
  t.is((failed as { code?: number }).code, 1);
  t.regex(String((failed as { stderr?: string }).stderr), /repository state file .*repository\.json is damaged \(not valid JSON\); move it aside/);
  t.notRegex(String((failed as { stderr?: string }).stderr), /\n\s+at /, 'no stack trace');
});

test('CLI: Ctrl-C once a checkout has planned its refresh lets it finish: exit 130, on the branch, the working copy clean, no lock left', async (t) => {
  const data = tempDir(t, 'repo-cli-int');
  const cli = async (...args: string[]) => (await run(process.execPath, [main, ...args, '--data', data])).stdout;
  await cli('demo', '--documents', '40');
  const log = JSON.parse(await cli('log', '--json')) as Array<{ hash: string; message: string }>;
  await cli('branch', 'before-edits', '--from', log[1]!.hash); // the demo's first commit of documents

  const child = spawn(process.execPath, [main, 'checkout', 'before-edits', '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    // Printed just before the point of no return: from here on the checkout completes whatever the signal does.
    if (line.startsWith('Refreshing Chroma:')) child.kill('SIGINT');
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  t.true(stderr.some((line) => /^Refreshing Chroma: \d+ document\(s\) to write, \d+ to remove$/.test(line)), stderr.join('\n'));
  t.is(code, 130, stderr.join('\n'));
  // Finished in this run, not cut off for the next open to repair: no journal is left.
  t.is((JSON.parse(readFileSync(join(data, 'repository.json'), 'utf8')) as { journal: unknown }).journal, null);
  const branches = JSON.parse(await cli('branch', '--json')) as Array<{ name: string; current: boolean }>;
  t.deepEqual(branches.filter((b) => b.current).map((b) => b.name), ['before-edits']);
  t.regex(await cli('changes'), /^Nothing to commit\.\n$/, 'Chroma holds exactly the branch');
  t.deepEqual(readdirSync(data).filter((name) => name.endsWith('.owner.lock') || name.endsWith('.tmp')), []);
});
