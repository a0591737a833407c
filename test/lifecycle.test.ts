import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./fixtures/exit-check.js', import.meta.url));

// A process that uses an executor must be able to end on its own: after close(), and even if the app
// forgot to close an idle executor. A leaked handle would make the child hang until the timeout kills it.
for (const mode of ['close', 'forget-idle', 'close-after-crash']) {
  test(`nothing keeps the process alive: ${mode}`, async (t) => {
    const { stdout } = await run(process.execPath, [script, mode], { timeout: 20_000 });
    t.is(stdout.trim(), `done ${mode}`);
  });
}
