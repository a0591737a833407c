/**
 * `session-executor setup-python`: creates a virtualenv with the pinned chromadb for the embedded Chroma
 * session, by default in the per-user cache folder that discovery looks in. Idempotent: a stamp holding the
 * requirements' hash makes a second run return at once; a half-made environment (an interrupted install) has
 * no stamp and is completed. Two setups of one folder at once (two test runs, two apps) take turns through a
 * lock file, so pip never installs into the same environment twice at the same time. Processes are started
 * without a shell.
 */
import { argError, checkOptions, checkText, describeValue } from '../check-args.js';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { makeFolders } from '../path-lock.js';
import { cachedVenvDir, pinnedChromadb, requirementsFile, venvPython } from './cache-dir.js';

const run = promisify(execFile);

export interface ProvisionOptions {
  /** The virtualenv folder. @default the per-user cache folder (found without configuration) */
  dir?: string;
  /** The interpreter that creates the virtualenv. @default `python3` (`python` on Windows) */
  basePython?: string;
  /** Progress lines (to stderr in the CLI). @default none */
  log?: (line: string) => void;
}

export interface ProvisionResult {
  /** The environment's interpreter: pass it as the `python` option or SESSION_EXECUTOR_PYTHON when `dir` was given. */
  python: string;
  dir: string;
  /** False when the environment was already complete. */
  created: boolean;
}

/** The setup failed; the message says what to install. `code`: `ERR_PYTHON_SETUP`. */
export class PythonSetupError extends Error {
  readonly code = 'ERR_PYTHON_SETUP';
  override readonly name = 'PythonSetupError';
}

const STAMP = '.session-executor-stamp';

export async function provisionPython(options: ProvisionOptions = {}): Promise<ProvisionResult> {
  // Checked before anything is created: a number for options would otherwise provision the default folder.
  checkOptions('provisionPython', options, ['dir', 'basePython', 'log']);
  checkText('provisionPython', 'dir', options?.dir, true);
  checkText('provisionPython', 'basePython', options?.basePython, true);
  if (options?.log !== undefined && typeof options.log !== 'function') {
    throw argError(`provisionPython: log must be a function, got ${describeValue(options.log)}`, 'ERR_INVALID_ARG_TYPE');
  }
  options ??= {};
  const dir = resolve(options.dir ?? cachedVenvDir());
  const python = venvPython(dir);
  const log = options.log ?? (() => {});
  const wanted = createHash('sha256').update(readFileSync(requirementsFile())).digest('hex');
  const stamp = join(dir, STAMP);
  const ready = () => existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted;
  if (ready()) return { python, dir, created: false };
  makeFolders(dirname(dir)); // fails at once where mkdirSync(recursive) would never return (under /proc)
  const release = await lock(`${dir}.lock`, log);
  try {
    // Another setup may have finished while this one waited for the lock.
    if (ready()) return { python, dir, created: false };
    await build(dir, python, stamp, wanted, options.basePython, log);
  } finally {
    release();
  }
  return { python, dir, created: true };
}

async function build(
  dir: string,
  python: string,
  stamp: string,
  wanted: string,
  basePython: string | undefined,
  log: (line: string) => void,
): Promise<void> {
  const base = basePython ?? (process.platform === 'win32' ? 'python' : 'python3');
  await checkBasePython(base);
  if (!existsSync(python)) {
    log(`creating a virtualenv in ${dir}`);
    await step(base, ['-m', 'venv', dir], `could not create a virtualenv in ${dir}`);
  }
  log(`installing chromadb==${pinnedChromadb()} and doltlite, the store engine (once; about a minute)`);
  rmSync(stamp, { force: true });
  await step(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirementsFile()],
    `pip could not install chromadb==${pinnedChromadb()} into ${dir} (is the network or a package index reachable?)`,
  );
  writeFileSync(stamp, wanted);
}

/** How long a setup waits for another one on the same folder (a first chromadb install takes minutes). */
const LOCK_WAIT_MS = 20 * 60_000;

/**
 * Takes the lock file (holding the owner's pid), waiting while a live process holds it. A lock whose process is
 * gone (killed mid-install) is taken over. The holder is another process, so there is no event to wait for:
 * the lock is looked at again with a growing delay.
 */
async function lock(path: string, log: (line: string) => void): Promise<() => void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let delay = 100, told = false; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = lockHolder(path);
    if (holder === 'gone') continue;
    if (holder === 'stale') {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new PythonSetupError(`another setup (process ${holder}) still holds ${path}`);
    if (!told) log(`waiting for another setup of the same environment (process ${holder})`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** The pid in the lock file; 'gone' if it was just released; 'stale' if its process died. */
function lockHolder(path: string): number | 'gone' | 'stale' {
  let text: string;
  let age: number;
  try {
    text = readFileSync(path, 'utf8').trim();
    age = Date.now() - statSync(path).mtimeMs;
  } catch {
    return 'gone';
  }
  // Empty: its creator has not written its pid yet (or died right then, which a minute tells apart).
  if (text === '') return age > 60_000 ? 'stale' : 0;
  const pid = Number(text);
  return isAlive(pid) ? pid : 'stale';
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function checkBasePython(base: string): Promise<void> {
  const script = 'import sys, venv, ensurepip; print(sys.version_info >= (3, 9))';
  let stdout: string;
  try {
    ({ stdout } = await run(base, ['-c', script], { encoding: 'utf8', timeout: 30_000 }));
  } catch {
    throw new PythonSetupError(
      `${base} with the venv module is needed to create the Python environment. ` +
        'Debian/Ubuntu: apt-get install python3 python3-venv; macOS: brew install python; ' +
        'or pass --python PATH to another Python >= 3.9.',
    );
  }
  if (stdout.trim() !== 'True') throw new PythonSetupError(`${base} is older than Python 3.9, which chromadb needs.`);
}

async function step(command: string, args: string[], failure: string): Promise<void> {
  try {
    await run(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim().split('\n').slice(-5).join('\n');
    throw new PythonSetupError(`${failure}${stderr ? `:\n${stderr}` : ''}`);
  }
}
