import test, { type ExecutionContext } from 'ava';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { StoreArgumentError, StoreConstraintError, StoreQueryError } from '../../lib/dolt/errors.js';
import { SessionCrashedError, SessionRestartedError } from '../../lib/errors.js';
import type { ExecutorOptions } from '../../lib/executor/options.js';
import { SessionExecutor, type RestartedEvent } from '../../lib/executor/session-executor.js';
import { sessionSpec } from '../../lib/session.js';
import type DoltLiteTestSession from '../fixtures/doltlite-test-session.js';
import { nextEvent } from '../helpers/start-test-session.js';
import { tempDir } from '../helpers/temp-dir.js';
import { doc, versionStoreContract } from './contract.js';

/** The DoltLite session with the test-only operations (raw SQL, hang, crash mid-snapshot), without the store. */
async function startWithTestOps(t: ExecutionContext, path?: string, executor?: ExecutorOptions) {
  const url = new URL('../fixtures/doltlite-test-session.js', import.meta.url);
  const session = await SessionExecutor.start(sessionSpec<typeof DoltLiteTestSession>(url, { path }), executor);
  t.teardown(() => session.close());
  return session;
}

versionStoreContract('doltlite', async (t) => {
  const store = await DoltLiteStore.open();
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

test('doltlite: reopening from the snapshot keeps rows, history and branches', async (t) => {
  const path = join(tempDir(t, 'doltlite'), 'store.doltlite');
  const first = await DoltLiteStore.open({ path });
  await first.commitChanges({ collection: 'p', upserts: [doc('x', 'persisted')], deletes: [], message: 'persist me' });
  await first.createBranch('kept-branch');
  await first.close();
  const second = await DoltLiteStore.open({ path });
  t.deepEqual([...(await second.documentHashes('p')).keys()], ['x']);
  t.is((await second.log())[0]!.message, 'persist me');
  t.deepEqual(await second.branches(), ['kept-branch', 'main']);
  // A reopened store commits and snapshots again, and the next open sees it.
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

test('doltlite: a worker killed mid-snapshot restarts from the previous snapshot; nothing committed before is lost', async (t) => {
  const dir = tempDir(t, 'torn');
  const path = join(dir, 'store.doltlite');
  const store = await startWithTestOps(t, path);
  const safe = await store.call('commitChanges', { collection: 'c', upserts: [doc('one', '1')], deletes: [], message: 'safe' });
  await store.call('crashDuringSnapshot', undefined);
  const restarted = nextEvent<RestartedEvent>(store, 'restarted');
  await t.throwsAsync(
    store.call('commitChanges', { collection: 'c', upserts: [doc('two', '2')], deletes: [], message: 'torn' }),
    { instanceOf: SessionCrashedError },
  );
  t.is((await restarted).reason, 'crashed');
  t.is((await store.call('log', 100))[0]!.hash, safe!, 'the snapshot on disk is the last complete one');
  t.deepEqual([...(await store.call('documentHashes', 'c')).keys()], ['one']);
  t.deepEqual(readdirSync(dir), ['store.doltlite'], 'the torn temporary file was discarded');
});

test('doltlite: a wedged worker is restarted and reopens from the last snapshot', async (t) => {
  const path = join(tempDir(t, 'wedged'), 'store.doltlite');
  // Generous: a commit on a loaded machine must not count as wedged; only the hang should.
  const store = await startWithTestOps(t, path, { hardDeadlineMs: 3_000 });
  await store.call('commitChanges', { collection: 'w', upserts: [doc('kept', 'k')], deletes: [], message: 'before wedge' });
  await t.throwsAsync(store.call('hang', undefined), { instanceOf: SessionRestartedError });
  t.deepEqual([...(await store.call('documentHashes', 'w')).keys()], ['kept']);
  t.true(existsSync(path));
});
