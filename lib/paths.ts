/** Where the package's own files are, from compiled code in dist/lib (or dist/lib/<folder>). */
import { fileURLToPath } from 'node:url';

/** The package root (the folder holding package.json and, in a checkout, the project's .venv). */
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A file shipped next to the compiled owner runtime (dist/workers). */
export function workerFile(name: string): string {
  return fileURLToPath(new URL(`../workers/${name}`, import.meta.url));
}
