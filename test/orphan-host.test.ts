import test from 'ava';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Chroma } from '../lib/chroma/chroma.js';
import { DoltLiteStore } from '../lib/dolt/doltlite-store.js';
import { recordHost, waitForRecordedHost } from '../lib/host-record.js';
import { ChromaLockedError } from '../lib/path-lock.js';
import { startFixture } from './helpers/child-lines.js';
import { isRunning, tempDir } from './helpers/temp-dir.js';

/** Polls until `pid` is gone; false if it still runs after `ms` (a generous deadline that catches a survivor). */
async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

test('a SIGKILLed app leaves no Python host behind, even a busy one, and the next process opens its paths', async (t) => {
  const dir = tempDir(t, 'orphan-host');
  const holder = startFixture('chroma-holder-child', [dir]);
  t.teardown(() => holder.child.kill('SIGKILL'));
  const { chromaHost, storeHost } = await holder.next<{ chromaHost: number; storeHost: number }>();
  t.teardown(() => {
    for (const pid of [chromaHost, storeHost]) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  });
  // A stopped host stands for one busy in a long write: it cannot notice that its stdin closed. Left running
  // after its app died, it would write the directory while the next process (which finds the lock's holder
  // dead) opens it too.
  for (const pid of [chromaHost, storeHost]) process.kill(pid, 'SIGSTOP');
  holder.child.kill('SIGKILL');
  await holder.exited;
  t.true(await goneWithin(chromaHost, 15_000), 'the embedded Chroma host outlived its app');
  t.true(await goneWithin(storeHost, 15_000), "the store's engine host outlived its app");

  const chroma = await Chroma.embedded({ path: join(dir, 'chroma'), embeddingFunction: 'hash' });
  const store = await DoltLiteStore.open({ path: join(dir, 'store.doltlite') });
  t.deepEqual(await chroma.listCollections(), []);
  t.true((await store.log()).length >= 1);
  await Promise.all([chroma.close(), store.close()]);
});

test('a new owner waits for the recorded host of a previous one to be gone, and names it if it stays', async (t) => {
  const dir = tempDir(t, 'host-record');
  const record = join(dir, '.target.host');
  t.is(await waitForRecordedHost(record, 100), null, 'nothing recorded: nothing to wait for');
  const lingering = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
  t.teardown(() => lingering.kill('SIGKILL'));
  recordHost(record, lingering.pid!);
  t.is(await waitForRecordedHost(record, 200), lingering.pid!, 'a live host is reported once the wait is over');
  const waiting = waitForRecordedHost(record, 60_000);
  lingering.kill('SIGKILL');
  t.is(await waiting, null, 'the wait ends when the host is gone');
});

test("Chroma.embedded names a previous owner's host that stays alive with ChromaLockedError, and opens once it is gone", async (t) => {
  const dir = tempDir(t, 'host-alive');
  const path = join(dir, 'chroma');
  // A process recorded as the directory's host (as a killed app's host stuck in a write would be).
  const lingering = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
  t.teardown(() => lingering.kill('SIGKILL'));
  recordHost(join(dir, '.chroma.host'), lingering.pid!);
  const error = await t.throwsAsync(Chroma.embedded({ path, embeddingFunction: 'hash' }));
  t.true(error instanceof ChromaLockedError, `${error?.name}: ${error?.message}`);
  t.is((error as ChromaLockedError).code, 'ERR_CHROMA_LOCKED');
  t.is((error as ChromaLockedError).holderPid, lingering.pid!);
  t.is((error as ChromaLockedError).path, path);
  lingering.kill('SIGKILL');
  t.true(await goneWithin(lingering.pid!, 15_000));
  const chroma = await Chroma.embedded({ path, embeddingFunction: 'hash' });
  t.deepEqual(await chroma.listCollections(), []);
  await chroma.close();
});
