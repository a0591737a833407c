/**
 * `session-executor setup-python`: creates a virtualenv with the pinned chromadb for the embedded Chroma
 * session, by default in the per-user cache folder that discovery looks in. Idempotent: a stamp holding the
 * requirements' hash makes a second run return at once; a half-made environment (an interrupted install) has
 * no stamp and is completed. Processes are started without a shell.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
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
  const dir = resolve(options.dir ?? cachedVenvDir());
  const python = venvPython(dir);
  const log = options.log ?? (() => {});
  const wanted = createHash('sha256').update(readFileSync(requirementsFile())).digest('hex');
  const stamp = join(dir, STAMP);
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
    return { python, dir, created: false };
  }
  const base = options.basePython ?? (process.platform === 'win32' ? 'python' : 'python3');
  await checkBasePython(base);
  mkdirSync(dirname(dir), { recursive: true });
  if (!existsSync(python)) {
    log(`creating a virtualenv in ${dir}`);
    await step(base, ['-m', 'venv', dir], `could not create a virtualenv in ${dir}`);
  }
  log(`installing chromadb==${pinnedChromadb()} (once; about a minute)`);
  rmSync(stamp, { force: true });
  await step(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirementsFile()],
    `pip could not install chromadb==${pinnedChromadb()} into ${dir} (is the network or a package index reachable?)`,
  );
  writeFileSync(stamp, wanted);
  return { python, dir, created: true };
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
