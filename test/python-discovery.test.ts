import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cachedVenvDir, venvPython } from '../lib/python/cache-dir.js';
import { PYTHON_ENV_VARIABLE, findPython, pythonCandidates, resolvePython } from '../lib/python/discovery.js';
import { provisionPython } from '../lib/python/provision.js';
import { tempDir } from './helpers/temp-dir.js';

const run = promisify(execFile);
const chromaEntry = fileURLToPath(new URL('../lib/exports/chroma.js', import.meta.url));

test('discovery order: the python option, then SESSION_EXECUTOR_PYTHON, then the project .venv, then the per-user environment', (t) => {
  const saved = process.env[PYTHON_ENV_VARIABLE];
  t.teardown(() => {
    if (saved === undefined) delete process.env[PYTHON_ENV_VARIABLE];
    else process.env[PYTHON_ENV_VARIABLE] = saved;
  });
  process.env[PYTHON_ENV_VARIABLE] = '/from/env/python';
  t.deepEqual(pythonCandidates('/from/option/python', '/app'), [{ path: '/from/option/python', source: 'python option' }]);
  t.deepEqual(pythonCandidates(undefined, '/app'), [{ path: '/from/env/python', source: PYTHON_ENV_VARIABLE }]);
  delete process.env[PYTHON_ENV_VARIABLE];
  const found = pythonCandidates(undefined, '/app');
  t.deepEqual(found[0], { path: venvPython('/app/.venv'), source: 'project .venv' });
  t.deepEqual(found.at(-1), { path: venvPython(cachedVenvDir()), source: 'per-user environment' });
});

/** Opens an embedded Chroma with `python` in a separate process; returns the error it got and its stderr. */
async function openWith(t: ExecutionContext, python: string) {
  const script = join(tempDir(t, 'probe'), 'open.mjs');
  writeFileSync(
    script,
    `import { Chroma } from ${JSON.stringify(chromaEntry)};
     try { await Chroma.embedded({ path: ${JSON.stringify(join(tempDir(t, 'data'), 'chroma'))}, python: ${JSON.stringify(python)} }); console.log('opened'); }
     catch (error) { console.log(JSON.stringify({ name: error.name, message: error.message })); }`,
  );
  const { stdout, stderr } = await run(process.execPath, [script], { timeout: 60_000 });
  return { error: JSON.parse(stdout) as { name: string; message: string }, stderr };
}

test('a missing interpreter: SessionOpenError naming it, the version needed and the fixing command; nothing on stderr', async (t) => {
  const { error, stderr } = await openWith(t, '/nonexistent/bin/python');
  t.is(error.name, 'SessionOpenError');
  t.regex(error.message, /\/nonexistent\/bin\/python \(from the python option\) does not exist/);
  t.regex(error.message, /chromadb 1\.x \(1\.5\.9 is the tested version\)/);
  t.regex(error.message, /npx session-executor setup-python/);
  t.is(stderr, '');
});

test('a Python without chromadb, and one with the wrong chromadb: each named, no traceback', async (t) => {
  const none = await openWith(t, 'python3'); // the system Python has no chromadb here
  t.is(none.error.name, 'SessionOpenError');
  t.regex(none.error.message, /python3 \(from the python option\) has no chromadb installed/);
  t.notRegex(none.stderr, /Traceback/);
  // An interpreter that reports an old chromadb (a stand-in script answering the probe).
  const fake = join(tempDir(t, 'fake'), 'python');
  writeFileSync(fake, `#!/usr/bin/env python3\nimport json\nprint(json.dumps({"python": [3, 11, 0], "chromadb": "0.4.24"}))\n`);
  chmodSync(fake, 0o755);
  const old = await openWith(t, fake);
  t.regex(old.error.message, /has chromadb 0\.4\.24; the embedded Chroma session needs Python >= 3\.9 with chromadb 1\.x/);
  t.is(old.stderr, '');
});

test('a python option that is not a path, and bad setup options, are typed errors; nothing is run or created', async (t) => {
  const typeError = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' };
  t.throws(() => findPython(5 as never), { ...typeError, message: /python must be a string/ });
  t.throws(() => findPython(' '), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(resolvePython({} as never), typeError);
  // `provisionPython(5)` used to go on and provision the default folder.
  await t.throwsAsync(provisionPython(5 as never), typeError);
  await t.throwsAsync(provisionPython({ dir: 5 } as never), typeError);
  await t.throwsAsync(provisionPython({ folder: '/tmp/venv' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(provisionPython({ log: 'stderr' } as never), typeError);
});
