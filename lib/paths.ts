/** Where the package's own files are, from compiled code in dist/lib (or dist/lib/<folder>). */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root (the folder holding package.json and, in a checkout, the project's .venv). */
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The Python interpreter for the embedded Chroma session: the project's venv if set up, else `python3`. */
export function defaultPython(): string {
  const fromEnv = process.env.SESSION_EXECUTOR_PYTHON;
  if (fromEnv) return fromEnv;
  const venvPython = `${packageRoot}.venv/bin/python`;
  return existsSync(venvPython) ? venvPython : 'python3';
}

/** A file shipped next to the compiled owner runtime (dist/workers). */
export function workerFile(name: string): string {
  return fileURLToPath(new URL(`../workers/${name}`, import.meta.url));
}
