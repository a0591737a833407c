import test from 'ava';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { provisionPython } from '../lib/python/provision.js';
import { tempDir } from './helpers/temp-dir.js';

/**
 * A stand-in for `python3`: `-c` answers the version check, `-m venv DIR` makes DIR/bin/python, a stand-in
 * that records each `-m pip install` in a log beside the environment (slowly, so two setups would overlap).
 */
function fakeBasePython(dir: string): string {
  const path = join(dir, 'python3');
  writeFileSync(
    path,
    `#!/usr/bin/env python3
import os, sys, time
if sys.argv[1] == "-c":
    print(True)
elif sys.argv[1:3] == ["-m", "venv"]:
    env = sys.argv[3]
    os.makedirs(os.path.join(env, "bin"), exist_ok=True)
    venv_python = os.path.join(env, "bin", "python")
    with open(venv_python, "w") as f:
        f.write("#!/usr/bin/env python3\\nimport sys, time\\n"
                "with open(sys.argv[0] + '.pip-log', 'a') as log: log.write(' '.join(sys.argv[1:4]) + '\\\\n')\\n"
                "time.sleep(0.5)\\n")
    os.chmod(venv_python, 0o755)
`,
  );
  chmodSync(path, 0o755);
  return path;
}

test('setup-python: two setups of one folder at once install once; a third returns at once', async (t) => {
  const work = tempDir(t, 'provision');
  const base = fakeBasePython(work);
  const dir = join(work, 'env');
  const [first, second] = await Promise.all([
    provisionPython({ dir, basePython: base }),
    provisionPython({ dir, basePython: base }),
  ]);
  t.is(first.python, join(dir, 'bin', 'python'));
  t.deepEqual([first.created, second.created].sort(), [false, true], 'one built it, the other found it built');
  t.is(readFileSync(`${first.python}.pip-log`, 'utf8'), '-m pip install\n', 'pip ran once');
  t.false(existsSync(`${dir}.lock`), 'the lock is released');
  t.false((await provisionPython({ dir, basePython: base })).created);
});

test('setup-python: a lock left by a process that died is taken over', async (t) => {
  const work = tempDir(t, 'provision-stale');
  const dir = join(work, 'env');
  writeFileSync(`${dir}.lock`, '999999999'); // no such process
  const result = await provisionPython({ dir, basePython: fakeBasePython(work) });
  t.true(result.created);
});

test('setup-python: no usable base Python is a PythonSetupError saying what to install', async (t) => {
  const error = await t.throwsAsync(provisionPython({ dir: join(tempDir(t, 'nopy'), 'env'), basePython: '/nonexistent/python3' }));
  t.is((error as Error & { code?: string }).code, 'ERR_PYTHON_SETUP');
  t.regex(error!.message, /python3-venv/);
});
