// One owner per store path: in one process, across processes, after SIGKILL, and SIGKILL in the middle of commits.
import test from 'ava';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { StoreLockedError } from '../../lib/path-lock.js';
import { startFixture } from '../helpers/child-lines.js';
import { tempDir } from '../helpers/temp-dir.js';
import { doc } from './contract.js';

test('doltlite lock: a second store on the same path in this process fails at once, naming the path and this pid', async (t) => {
  const path = join(tempDir(t, 'lock-same'), 'store.doltlite');
  const first = await DoltLiteStore.open({ path });
  await first.commitChanges({ collection: 'c', upserts: [doc('a', 'one')], deletes: [], message: 'first' });
  const error = await t.throwsAsync(DoltLiteStore.open({ path }), { instanceOf: StoreLockedError });
  t.is(error.code, 'ERR_STORE_LOCKED');
  t.is(error.path, path);
  t.is(error.holderPid, process.pid);
  t.true(error.message.includes(path));
  // The failed opener changed nothing: the first store goes on and its commits survive a reopen.
  await first.commitChanges({ collection: 'c', upserts: [doc('b', 'two')], deletes: [], message: 'second' });
  await first.close();
  const again = await DoltLiteStore.open({ path });
  t.teardown(() => again.close());
  t.deepEqual((await again.log(2)).map((c) => c.message), ['second', 'first']);
});

test('doltlite lock: another process is refused while the holder lives, and gets the store once it is SIGKILLed', async (t) => {
  const path = join(tempDir(t, 'lock-proc'), 'store.doltlite');
  const holder = startFixture('doltlite-child', ['hold', path]);
  t.teardown(() => holder.child.kill('SIGKILL'));
  const ready = await holder.next<{ ready: boolean; pid: number }>((line) => 'ready' in line);
  const refused = await t.throwsAsync(DoltLiteStore.open({ path }), { instanceOf: StoreLockedError });
  t.is(refused.holderPid, ready.pid);

  // A third process gets the same answer.
  const third = startFixture('doltlite-child', ['open', path]);
  const answer = await third.next<{ code?: string; holderPid?: number }>();
  t.is(answer.code, 'ERR_STORE_LOCKED');
  t.is(answer.holderPid, ready.pid);

  holder.child.kill('SIGKILL');
  await holder.exited;
  // No clean-up by hand: the dead holder's lock is taken over, and what it committed is there.
  const store = await DoltLiteStore.open({ path });
  t.teardown(() => store.close());
  t.deepEqual([...(await store.documentHashes('c')).keys()], ['from-child']);
  t.is((await store.log(1))[0]!.message, 'child');
});

test('doltlite lock: closing releases the path; the lock file is gone and another process can open it', async (t) => {
  const dir = tempDir(t, 'lock-release');
  const path = join(dir, 'store.doltlite');
  const store = await DoltLiteStore.open({ path });
  t.true(existsSync(join(dir, '.store.doltlite.owner.lock')));
  await store.close();
  t.false(existsSync(join(dir, '.store.doltlite.owner.lock')));
  const other = startFixture('doltlite-child', ['open', path]);
  t.deepEqual(await other.next(), { ok: true });
});

/** SIGKILL rounds: enough to hit different points here; `npm run stress` runs many more (STORE_FAULT_ROUNDS). */
const ROUNDS = Number(process.env.STORE_FAULT_ROUNDS ?? 20);

test(`doltlite crash: SIGKILL at random points during commits, ${ROUNDS} rounds: the log is intact and nothing uncommitted remains`, async (t) => {
  const path = join(tempDir(t, 'sigkill'), 'store.doltlite');
  let lastSeen: { committed: number; hash: string } | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const writer = startFixture('doltlite-child', ['commit-loop', path]);
    await writer.next((line) => 'ready' in line);
    // Let it commit for a random while (a few to a few dozen commits), then kill it wherever it is.
    const target = 1 + Math.floor(Math.random() * 6);
    await writer.next<{ committed?: number }>((line) => (line.committed ?? -1) >= target - 1);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
    writer.child.kill('SIGKILL');
    await writer.exited;
    const reported = writer.lines.filter((line) => 'committed' in line) as Array<{ committed: number; hash: string }>;
    lastSeen = reported.at(-1);

    const store = await DoltLiteStore.open({ path });
    const log = await store.log(10_000);
    const hashes = new Set(log.map((c) => c.hash));
    // Every commit the writer saw acknowledged is in the log, in order, and at most one more (in flight when
    // killed, its acknowledgement unsent) follows.
    for (const line of reported) t.true(hashes.has(line.hash), `round ${round}: acknowledged commit ${line.committed} kept`);
    const headIndex = log.findIndex((c) => c.hash === lastSeen!.hash);
    t.true(headIndex === 0 || headIndex === 1, `round ${round}: at most the commit in flight is beyond the last acknowledged`);
    t.deepEqual(await store.status(), [], `round ${round}: nothing uncommitted after reopening`);
    const docs = await store.documentHashes('c');
    t.true(docs.size > 0);
    await store.close();
  }
  t.truthy(lastSeen);
});

test('doltlite lock: a store left open by a process that exited without closing is opened by the next process', async (t) => {
  const dir = tempDir(t, 'lock-exit');
  const path = join(dir, 'store.doltlite');
  const holder = startFixture('doltlite-child', ['hold', path]);
  await holder.next((line) => 'ready' in line);
  holder.child.kill('SIGTERM');
  await holder.exited;
  t.true(readdirSync(dir).includes('.store.doltlite.owner.lock'), 'its lock file was left behind');
  const store = await DoltLiteStore.open({ path });
  t.teardown(() => store.close());
  t.deepEqual([...(await store.documentHashes('c')).keys()], ['from-child']);
});
