/**
 * Where the per-user Python environment for the embedded Chroma session lives: the platform's user cache folder,
 * so every app on the machine shares one provisioned virtualenv per chromadb version, and deleting the cache
 * folder is always safe.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { workerFile } from '../paths.js';

/** The platform's per-user cache folder for this package. */
export function userCacheDir(): string {
  if (process.env.XDG_CACHE_HOME) return join(process.env.XDG_CACHE_HOME, 'session-executor');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'session-executor');
  if (process.platform === 'win32') {
    return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'session-executor', 'Cache');
  }
  return join(homedir(), '.cache', 'session-executor');
}

/** The shipped requirements file of the Python session host. */
export function requirementsFile(): string {
  return workerFile('requirements.txt');
}

/** The chromadb version the requirements pin (`chromadb==X.Y.Z`). */
export function pinnedChromadb(): string {
  const match = /^chromadb==([\w.]+)/m.exec(readFileSync(requirementsFile(), 'utf8'));
  if (!match) throw new Error(`no chromadb pin in ${requirementsFile()}`);
  return match[1]!;
}

/** The virtualenv `setup-python` creates by default: one per pinned chromadb version. */
export function cachedVenvDir(): string {
  return join(userCacheDir(), `python-chromadb-${pinnedChromadb()}`);
}

/** The interpreter inside a virtualenv folder. */
export function venvPython(venv: string): string {
  return process.platform === 'win32' ? join(venv, 'Scripts', 'python.exe') : join(venv, 'bin', 'python');
}
