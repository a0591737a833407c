import test from 'ava';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createApp, pack, pinned, repoRoot, run, tsc } from './helpers/packed-app.js';

const consumerSource = join(repoRoot, 'test', 'consumer');

/** Every module `entry` loads statically, following relative imports; bare specifiers are collected apart. */
function importGraph(entry: string): { files: string[]; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'/g)) {
      if (!specifier) continue;
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier));
      else bare.add(specifier);
    }
  }
  return { files: [...files].map((file) => relative(join(repoRoot, 'dist', 'lib'), file)), bare };
}

test('the core entry loads only the executor, sessions, errors, coalescer and metrics: no Chroma, SQL or DoltLite code', (t) => {
  const { files, bare } = importGraph(join(repoRoot, 'dist', 'lib', 'index.js'));
  t.true(files.includes(join('executor', 'session-executor.js')));
  t.deepEqual(
    files.filter((file) => /^(chroma|dolt|sync|servers|python|cli)\//.test(file)),
    [],
    'no module of the Chroma, store, sync, servers or CLI folders',
  );
  t.deepEqual([...bare].filter((specifier) => !specifier.startsWith('node:')), [], 'no package at all');
});

test('npm pack ships the compiled code, the Python host and its requirements, LICENSE; no tests, no test hooks', async (t) => {
  const { files } = await pack(t);
  for (const path of ['dist/lib/index.d.ts', 'dist/lib/exports/chroma.js', 'dist/workers/owner.js', 'dist/workers/chroma_host.py', 'dist/workers/doltlite_host.py', 'dist/workers/requirements.txt', 'LICENSE', 'README.md']) {
    t.true(files.includes(path), path);
  }
  t.false(files.some((path) => path.startsWith('dist/test/') || path.startsWith('test/')), 'tests are not published');
  // Operations that run arbitrary SQL, hang or crash on purpose exist only in test/fixtures.
  const shipped = files.filter((path) => /\.(js|py)$/.test(path)).map((path) => readFileSync(join(repoRoot, path), 'utf8'));
  for (const hook of ['rawExec', 'testOps', 'crashDuringSnapshot', 'def sleep', 'SELECT SLEEP', 'test_ops']) {
    t.false(shipped.some((source) => source.includes(hook)), `no "${hook}" in the package`);
  }
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  t.is(manifest.license, 'MIT');
  t.is(manifest.dependencies, undefined, 'installing the core pulls nothing else');
  for (const peer of ['chromadb', 'mysql2', '@dolthub/doltlite-wasm']) t.true(manifest.peerDependenciesMeta[peer].optional, peer);
});

// Installed as a user installs it, without any optional peer: the core type-checks (skipLibCheck off, so our
// declarations must not need the peers), runs, and loads with require(); each feature whose client is missing
// fails with MissingPeerDependencyError naming the package.
test('installed without optional peers: the core type-checks, runs, works from require(); features name what to install', async (t) => {
  const { tarball } = await pack(t);
  const app = await createApp(t, tarball, [pinned('@types/node')]);
  t.false(existsSync(join(app, 'node_modules', 'mysql2')), 'no peer was installed');
  cpSync(consumerSource, app, { recursive: true, filter: (path) => !path.endsWith('package.json') });
  await tsc(app);
  const output = await run(process.execPath, [join(app, 'out', 'main.js')], { cwd: app, timeout: 60_000 });
  t.is(output.stdout.trim(), 'hello, packed #1 TimeoutError');
  const missing = await run(process.execPath, [join(app, 'out', 'missing-peers.js')], { cwd: app, timeout: 60_000 });
  t.deepEqual(JSON.parse(missing.stdout), {
    mysql: ['ERR_MISSING_PEER_DEPENDENCY', 'mysql2'],
    doltlite: ['ERR_MISSING_PEER_DEPENDENCY', '@dolthub/doltlite-wasm'],
    remote: ['ERR_MISSING_PEER_DEPENDENCY', 'chromadb'],
  });
  writeFileSync(
    join(app, 'required.cjs'),
    [
      "const { SessionExecutor, TimeoutError } = require('session-executor');",
      "const subpaths = ['chroma', 'store', 'sync', 'testing'].map((name) => Object.keys(require(`session-executor/${name}`)).length > 0);",
      "console.log(typeof SessionExecutor.start, new TimeoutError('op', 'queued', 5).code, subpaths.join());",
    ].join('\n'),
  );
  const required = await run(process.execPath, [join(app, 'required.cjs')], { cwd: app });
  t.is(required.stdout.trim(), 'function ERR_SESSION_TIMEOUT true,true,true,true');
});
