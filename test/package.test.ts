import test from 'ava';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const consumerSource = join(root, 'test', 'consumer');

// The package as published: pack it, install the tarball where a user would have it, type-check a user's
// code against the emitted .d.ts files through the exports map, and run it.
test('npm pack produces a package whose public API type-checks and runs', async (t) => {
  const work = mkdtempSync(join(root, '.tmp-pack-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  // --ignore-scripts: dist/ is already built by pretest; rebuilding it here would race other test files.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root });
  const [{ filename, files }] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const paths = files.map((file) => file.path);
  t.true(paths.includes('dist/lib/index.d.ts'));
  t.true(paths.includes('dist/workers/owner.js'));
  t.false(paths.some((path) => path.startsWith('dist/test/')), 'tests are not published');

  const consumer = join(work, 'consumer');
  const installed = join(consumer, 'node_modules', 'session-executor');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', join(work, filename), '-C', installed, '--strip-components=1']);
  cpSync(consumerSource, consumer, { recursive: true, filter: (path) => !path.endsWith('.js') && !path.endsWith('.d.ts') });
  // Third-party packages (typescript, @types/node, runtime deps) resolve from the project's node_modules above.
  await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', consumer]);
  const output = await run(process.execPath, [join(consumer, 'out', 'main.js')], { timeout: 20_000 });
  t.is(output.stdout.trim(), 'hello, packed #1 TimeoutError');
});
