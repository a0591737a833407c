/** `session-executor setup-python [--dir DIR] [--python PATH]`: provisions the embedded Chroma session's Python. */
import { cachedVenvDir } from '../python/cache-dir.js';
import { PYTHON_ENV_VARIABLE } from '../python/discovery.js';
import { provisionPython } from '../python/provision.js';
import type { Output } from './output.js';

export async function setupPython(options: { dir?: string; python?: string }, out: Output): Promise<void> {
  const result = await provisionPython({
    dir: options.dir,
    basePython: options.python,
    log: (line) => process.stderr.write(`setup-python: ${line}\n`),
  });
  const found = options.dir === undefined || result.dir === cachedVenvDir();
  out.json({ python: result.python, dir: result.dir, created: result.created, foundAutomatically: found });
  out.line(result.python);
  process.stderr.write(
    `setup-python: ${result.created ? 'ready' : 'already set up'}: ${result.dir}\n` +
      (found
        ? 'setup-python: the embedded Chroma session finds it without configuration.\n'
        : `setup-python: point the session at it: ${PYTHON_ENV_VARIABLE}=${result.python} (or the python option).\n`),
  );
}
