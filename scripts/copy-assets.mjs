// Copies the files tsc does not emit next to the compiled code, so dist/ is self-contained: the Python session
// host and its requirements (shipped: `setup-python` installs from them), and the tests' Python fixtures.
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const assets = [
  { from: 'workers', to: 'dist/workers', keep: (name) => name.endsWith('.py') || name === 'requirements.txt' },
  { from: 'test/fixtures', to: 'dist/test/fixtures', keep: (name) => name.endsWith('.py') },
];
for (const { from, to, keep } of assets) {
  if (!existsSync(join(root, from))) continue;
  mkdirSync(join(root, to), { recursive: true });
  for (const name of readdirSync(join(root, from)).filter(keep)) cpSync(join(root, from, name), join(root, to, name));
}
