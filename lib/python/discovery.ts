/**
 * Finds the Python interpreter for the embedded Chroma session and checks it before the session starts, so a
 * missing or wrong environment is one clear error (which interpreter, what it lacks, the command that fixes it)
 * instead of a Python traceback and a dead owner thread.
 *
 * Order: the `python` option, then the SESSION_EXECUTOR_PYTHON environment variable (an explicit choice is
 * used as given, never replaced by a guess), then the project's `.venv` (the current folder's, then this
 * package's own in a checkout), then the per-user virtualenv `npx session-executor setup-python` creates.
 * There is no fallback to a system `python3`: one without chromadb was the usual cause of confusing failures.
 */
import { checkText } from '../check-args.js';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { cachedVenvDir, pinnedChromadb, venvPython } from './cache-dir.js';

/** The environment variable naming an interpreter with chromadb installed. */
export const PYTHON_ENV_VARIABLE = 'SESSION_EXECUTOR_PYTHON';

/** The command that provisions the per-user environment. */
export const SETUP_COMMAND = 'npx session-executor setup-python';

/** The Python environment cannot run the session. `code`: `ERR_PYTHON_ENVIRONMENT`. */
export class PythonEnvironmentError extends Error {
  readonly code = 'ERR_PYTHON_ENVIRONMENT';
  override readonly name = 'PythonEnvironmentError';
}

export interface PythonChoice {
  /** The interpreter. */
  path: string;
  /** Where it came from, for messages. */
  source: 'python option' | typeof PYTHON_ENV_VARIABLE | 'project .venv' | 'per-user environment';
}

/** Every place looked at, in order, whether or not it exists. */
export function pythonCandidates(option?: string, cwd: string = process.cwd()): PythonChoice[] {
  if (option) return [{ path: option, source: 'python option' }];
  const fromEnv = process.env[PYTHON_ENV_VARIABLE];
  if (fromEnv) return [{ path: fromEnv, source: PYTHON_ENV_VARIABLE }];
  // This package's own .venv exists only in a checkout of it, never once installed under node_modules.
  const checkout = packageRoot.split(/[\\/]/).includes('node_modules') ? [] : [join(packageRoot, '.venv')];
  const projects = [...new Set([join(cwd, '.venv'), ...checkout])];
  return [
    ...projects.map((venv) => ({ path: venvPython(venv), source: 'project .venv' as const })),
    { path: venvPython(cachedVenvDir()), source: 'per-user environment' as const },
  ];
}

/**
 * The interpreter to use, without running it: the explicit choice, else the first candidate that exists.
 * Throws {@link PythonEnvironmentError} when none does.
 */
export function findPython(option?: string): PythonChoice {
  checkText('findPython', 'python', option, true);
  const candidates = pythonCandidates(option);
  const explicit = candidates[0]!;
  if (explicit.source === 'python option' || explicit.source === PYTHON_ENV_VARIABLE) return explicit;
  const found = candidates.find((candidate) => existsSync(candidate.path));
  if (found) return found;
  throw new PythonEnvironmentError(
    `no Python environment with chromadb was found (looked for ${candidates.map((c) => c.path).join(', ')}). ` +
      `${fixHint()}`,
  );
}

function fixHint(): string {
  return (
    `Run "${SETUP_COMMAND}" once (it creates a virtualenv with chromadb==${pinnedChromadb()}), ` +
    `or set ${PYTHON_ENV_VARIABLE} (or the python option) to an interpreter that has it.`
  );
}

const PROBE = [
  'import json, sys',
  'from importlib import metadata',
  'try:',
  '    chromadb = metadata.version("chromadb")',
  'except metadata.PackageNotFoundError:',
  '    chromadb = None',
  'print(json.dumps({"python": list(sys.version_info[:3]), "chromadb": chromadb}))',
].join('\n');

/** Python versions chromadb supports. */
const MIN_PYTHON = [3, 9] as const;

const checked = new Map<string, Promise<void>>();

/**
 * Finds the interpreter and checks it has a usable Python and chromadb (the same major version as the pinned
 * one), without importing chromadb (reading package metadata takes tens of milliseconds). Checked once per
 * interpreter per thread. Rejects with {@link PythonEnvironmentError}; nothing reaches stderr.
 */
export async function resolvePython(option?: string): Promise<string> {
  checkText('resolvePython', 'python', option, true);
  const choice = findPython(option);
  let check = checked.get(choice.path);
  if (!check) {
    check = probe(choice);
    checked.set(choice.path, check);
    check.catch(() => checked.delete(choice.path));
  }
  await check;
  return choice.path;
}

function probe(choice: PythonChoice): Promise<void> {
  const pinned = pinnedChromadb();
  const needed = `Python >= ${MIN_PYTHON.join('.')} with chromadb ${pinned.split('.')[0]}.x (${pinned} is the tested version)`;
  const tried = `${choice.path} (from the ${choice.source})`;
  return new Promise((resolve, reject) => {
    execFile(choice.path, ['-c', PROBE], { timeout: 30_000, encoding: 'utf8' }, (error, stdout) => {
      const fail = (what: string) =>
        reject(new PythonEnvironmentError(`the Python interpreter ${tried} ${what}; the embedded Chroma session needs ${needed}. ${fixHint()}`));
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return fail(code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be run' : 'failed to start');
      }
      let found: { python: number[]; chromadb: string | null };
      try {
        found = JSON.parse(stdout.trim().split('\n').pop()!);
      } catch {
        return fail('did not answer as Python does');
      }
      const [major = 0, minor = 0] = found.python;
      if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
        return fail(`is Python ${found.python.join('.')}`);
      }
      if (!found.chromadb) return fail('has no chromadb installed');
      if (found.chromadb.split('.')[0] !== pinned.split('.')[0]) return fail(`has chromadb ${found.chromadb}`);
      resolve();
    });
  });
}
