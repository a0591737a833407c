import test from 'ava';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
