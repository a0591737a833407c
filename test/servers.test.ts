import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../lib/servers/guarded-server.js';
import { isRunning } from './helpers/temp-dir.js';

const child = fileURLToPath(new URL('./fixtures/guarded-child.js', import.meta.url));

test('a guarded server dies with the process that started it, even on SIGKILL', async (t) => {
  const host = spawn(process.execPath, [child], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: host.stdout! }), 'line')) as [string];
  const serverPid = Number(line);
  t.true(isRunning(serverPid));
  host.kill('SIGKILL');
  await once(host, 'exit');
  // The guardian sees its stdin close and kills the server; wait for that with a deadline that only catches hangs.
  const deadline = Date.now() + 10_000;
  while (isRunning(serverPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  t.false(isRunning(serverPid), 'no server left behind');
});

test('free ports are on loopback and never handed out twice in one process', async (t) => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  t.is(new Set(ports).size, 20);
  t.true(ports.every((port) => port > 0 && port < 65_536));
});
