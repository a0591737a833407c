import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { existsSync, readdirSync } from 'node:fs';
import { startChromaServer } from '../lib/servers/chroma-server.js';
import { GuardedProcess, freePort } from '../lib/servers/guarded-server.js';
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

test('bad server options reject with a typed error before anything is started or created', async (t) => {
  const before = readdirSync(process.cwd());
  const typeError = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' };
  // `startChromaServer(5)` used to start a server on a folder named "undefined" in the working directory.
  await t.throwsAsync(startChromaServer(5 as never), typeError);
  await t.throwsAsync(startChromaServer(undefined as never), typeError);
  await t.throwsAsync(startChromaServer({} as never), { ...typeError, message: /path/ });
  await t.throwsAsync(startChromaServer({ path: '' }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(startChromaServer({ path: '/tmp/x', port: 70_000 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
  await t.throwsAsync(startChromaServer({ path: '/tmp/x', readyTimeoutMs: -1 }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
  await t.throwsAsync(startChromaServer({ path: '/tmp/x', bogus: 1 } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(GuardedProcess.start(5 as never, []), typeError);
  await t.throwsAsync(GuardedProcess.start('sleep', '1' as never), typeError);
  await t.throwsAsync(GuardedProcess.start('sleep', ['1'], { stopSignal: 'SIGNOPE' as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(GuardedProcess.start('sleep', ['1'], { graceMs: NaN }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
  t.deepEqual(readdirSync(process.cwd()), before, 'nothing created in the working directory');
  t.false(existsSync('/tmp/x'));
});
