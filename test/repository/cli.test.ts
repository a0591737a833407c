import test from 'ava';
import { execFile } from 'node:child_process';
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
