// Copies the files tsc does not emit (the Python session host) next to the compiled workers,
// so dist/ is self-contained: code in dist/lib finds ../../workers/<file> the same way as in the source tree.
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const source = new URL('../workers/', import.meta.url);
const target = new URL('../dist/workers/', import.meta.url);
mkdirSync(target, { recursive: true });
for (const name of readdirSync(source)) {
  if (name.endsWith('.py')) cpSync(join(source.pathname, name), join(target.pathname, name));
}
