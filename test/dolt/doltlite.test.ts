import test from 'ava';
import { existsSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { StoreArgumentError, StoreConstraintError, StoreQueryError } from '../../lib/dolt/errors.js';
import { SessionCrashedError, SessionRestartedError } from '../../lib/errors.js';
import type { ExecutorOptions } from '../../lib/executor/options.js';
import { SessionExecutor, type RestartedEvent } from '../../lib/executor/session-executor.js';
import { sessionSpec } from '../../lib/session.js';
import type DoltLiteTestSession from '../fixtures/doltlite-test-session.js';
import { startWithTestOps } from '../helpers/doltlite-test-ops.js';
import { nextEvent } from '../helpers/start-test-session.js';
import { tempDir } from '../helpers/temp-dir.js';
import { doc, versionStoreContract } from './contract.js';
import { streamedCommitContract } from './stream-contract.js';

versionStoreContract('doltlite', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  return store;
});

streamedCommitContract('doltlite (native)', async (t) => {
  const store = await DoltLiteStore.open({ engine: 'native' });
  t.teardown(() => store.close());
  return store;
});

streamedCommitContract('doltlite (wasm)', async (t) => {
  const store = await DoltLiteStore.open({ engine: 'wasm' });
  t.teardown(() => store.close());
  return store;
});

test('doltlite: a new store has Dolt history: the init commit and the schema commit', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  const messages = (await store.log()).map((c) => c.message);
  t.deepEqual(messages, ['Create session-executor schema', 'Initialize data repository']);
  t.is(await store.activeBranch(), 'main');
});

test('doltlite: branches: create, check out, commit on a branch, back to main', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  await store.commitChanges({ collection: 'b', upserts: [doc('m', 'on main')], deletes: [], message: 'main work' });
  await store.createBranch('feature/x');
  await store.checkout('feature/x');
  t.is(await store.activeBranch(), 'feature/x');
  await store.commitChanges({ collection: 'b', upserts: [doc('f', 'on feature')], deletes: [], message: 'feature work' });
  t.is((await store.documentHashes('b')).size, 2);
  await store.checkout('main');
  t.deepEqual([...(await store.documentHashes('b')).keys()], ['m']);
  t.deepEqual(await store.branches(), ['feature/x', 'main']);
  await t.throwsAsync(store.createBranch('bad name; --'), { instanceOf: StoreArgumentError });
});

test('doltlite: reopening keeps rows, history and branches', async (t) => {
  const path = join(tempDir(t, 'doltlite'), 'store.doltlite');
  const first = await DoltLiteStore.open({ path });
  await first.commitChanges({ collection: 'p', upserts: [doc('x', 'persisted')], deletes: [], message: 'persist me' });
  await first.createBranch('kept-branch');
  await first.close();
  const second = await DoltLiteStore.open({ path });
  t.deepEqual([...(await second.documentHashes('p')).keys()], ['x']);
  t.is((await second.log())[0]!.message, 'persist me');
  t.deepEqual(await second.branches(), ['kept-branch', 'main']);
  // A reopened store commits again, and the next open sees it.
  await second.commitChanges({ collection: 'p', upserts: [doc('y', 'later')], deletes: [], message: 'after reopen' });
  await second.close();
  const third = await DoltLiteStore.open({ path });
  t.teardown(() => third.close());
  t.deepEqual((await third.log()).slice(0, 2).map((c) => c.message), ['after reopen', 'persist me']);
  t.deepEqual([...(await third.documentHashes('p')).keys()].sort(), ['x', 'y']);
});

test('doltlite: bad SQL and constraint violations are typed errors; the store goes on', async (t) => {
  const store = await startWithTestOps(t);
  const bad = await t.throwsAsync(store.call('rawExec', { sql: 'SELEC nonsense' }), { instanceOf: StoreQueryError });
  t.is(bad.code, 'ERR_STORE_QUERY');
  await store.call('rawExec', { sql: "INSERT INTO collections (name) VALUES ('dup')" });
  await t.throwsAsync(store.call('rawExec', { sql: "INSERT INTO collections (name) VALUES (?)", bind: ['dup'] }), {
    instanceOf: StoreConstraintError,
  });
  t.is(await store.call('activeBranch', undefined), 'main');
});

test('doltlite (wasm engine): an owner killed mid-commit restarts; the torn commit is cut off (and kept aside), nothing committed is lost', async (t) => {
  const dir = tempDir(t, 'torn');
  const path = join(dir, 'store.doltlite');
  const store = await startWithTestOps(t, path, undefined, 'wasm');
  const safe = await store.call('commitChanges', { collection: 'c', upserts: [doc('one', '1')], deletes: [], message: 'safe' });
  const sizeBefore = statSync(path).size;
  await store.call('crashDuringNextCommit', undefined);
  const restarted = nextEvent<RestartedEvent>(store, 'restarted');
  await t.throwsAsync(
    store.call('commitChanges', { collection: 'c', upserts: [doc('two', '2')], deletes: [], message: 'torn' }),
    { instanceOf: SessionCrashedError },
  );
  t.is((await restarted).reason, 'crashed');
  t.is((await store.call('log', 100))[0]!.hash, safe!, 'the last complete commit is the head');
  t.deepEqual([...new Map<string, string>(JSON.parse(await store.call('documentHashes', { collection: 'c' }))).keys()], ['one']);
  t.deepEqual(await store.call('status', undefined), [], 'nothing uncommitted');
  t.is(statSync(path).size, sizeBefore, 'the torn bytes were cut off');
  t.true(readdirSync(dir).some((name) => name.startsWith('.store.doltlite.torn-')), 'and kept beside the store');
  const next = await store.call('commitChanges', { collection: 'c', upserts: [doc('two', '2')], deletes: [], message: 'retried' });
  t.is((await store.call('log', 1))[0]!.hash, next!);
  t.is(openDescriptorsOf(path), 1, "the terminated owner's file handle was closed");
});

test('doltlite (wasm engine): an owner killed before each write of a commit in turn: every time the store is exactly at its last commit', async (t) => {
  const path = join(tempDir(t, 'every-write'), 'store.doltlite');
  const store = await startWithTestOps(t, path, undefined, 'wasm');
  let head = (await store.call('commitChanges', { collection: 'c', upserts: [doc('one', '1')], deletes: [], message: 'base' }))!;
  let landed = 0;
  for (let atWrite = 1; atWrite <= 12; atWrite++) {
    await store.call('crashDuringNextCommit', atWrite);
    const changes = { collection: 'c', upserts: [doc(`w${atWrite}`, `written ${atWrite}`)], deletes: [], message: `at ${atWrite}` };
    const outcome = await store.call('commitChanges', changes).then(
      (hash) => ({ hash }),
      (error: unknown) => ({ error }),
    );
    if ('hash' in outcome) {
      // The commit needed fewer writes than atWrite: it completed before the crash point.
      head = outcome.hash!;
      landed++;
      continue;
    }
    t.true(outcome.error instanceof SessionCrashedError, `write ${atWrite}`);
    t.is((await store.call('log', 1))[0]!.hash, head, `write ${atWrite}: the head is the last commit`);
    t.deepEqual(await store.call('status', undefined), [], `write ${atWrite}: nothing of the lost commit is left uncommitted`);
    t.false(new Map<string, string>(JSON.parse(await store.call('documentHashes', { collection: 'c' }))).has(`w${atWrite}`), `write ${atWrite}`);
  }
  t.true(landed > 0, 'the crash points covered a whole commit');
});

/** How many of this process's file descriptors point at `path` (Linux /proc). */
function openDescriptorsOf(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;
}

test('doltlite: a wedged worker is restarted and reopens the store', async (t) => {
  const path = join(tempDir(t, 'wedged'), 'store.doltlite');
  // Generous: a commit on a loaded machine must not count as wedged; only the hang should.
  const store = await startWithTestOps(t, path, { hardDeadlineMs: 3_000 });
  await store.call('commitChanges', { collection: 'w', upserts: [doc('kept', 'k')], deletes: [], message: 'before wedge' });
  await t.throwsAsync(store.call('hang', undefined), { instanceOf: SessionRestartedError });
  t.deepEqual([...new Map<string, string>(JSON.parse(await store.call('documentHashes', { collection: 'w' }))).keys()], ['kept']);
  t.true(existsSync(path));
});
