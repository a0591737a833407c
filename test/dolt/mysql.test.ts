import test from 'ava';
import mysql from 'mysql2/promise';
import { MysqlStore } from '../../lib/dolt/mysql-store.js';
import { StoreArgumentError, StoreConnectionError, StoreTimeoutError } from '../../lib/dolt/errors.js';
import { startMariaDb, type MariaDbServer } from '../../lib/servers/mariadb-server.js';
import { freshDatabase } from '../helpers/mariadb.js';
import { freeze } from '../helpers/temp-dir.js';
import { doc, versionStoreContract } from './contract.js';

let server: MariaDbServer;
test.before(async () => {
  server = await startMariaDb();
});
test.after.always(async () => {
  await server?.stop();
});

async function openStore(t: { teardown(fn: () => unknown): void }, options: Partial<Parameters<typeof MysqlStore.connect>[0]> = {}) {
  const store = await MysqlStore.connect({ url: server.url(await freshDatabase(server)), ...options });
  t.teardown(() => store.close());
  return store;
}

versionStoreContract('mariadb', openStore);

test('mariadb: dialect detected as plain MySQL; migrations are idempotent; tables are utf8mb4', async (t) => {
  const database = await freshDatabase(server);
  const first = await MysqlStore.connect({ url: server.url(database) });
  t.is(first.dialect, 'mysql');
  await first.commitChanges({ collection: 'c', upserts: [doc('a', 'x')], deletes: [], message: 'one' });
  await first.close();
  const second = await MysqlStore.connect({ url: server.url(database) });
  t.teardown(() => second.close());
  t.deepEqual([...(await second.documentHashes('c')).keys()], ['a'], 'reconnecting kept the data');
  const connection = await mysql.createConnection(server.url(database));
  t.teardown(() => connection.end());
  const [tables] = (await connection.query(
    'SELECT table_name AS name, table_collation AS collation FROM information_schema.tables WHERE table_schema = ?',
    [database],
  )) as unknown as [Array<{ name: string; collation: string }>];
  t.deepEqual(tables.map((row) => row.name).sort(), ['collections', 'document_sync_log', 'documents', 'session_commits']);
  t.true(tables.every((row) => row.collation.startsWith('utf8mb4')));
});

test('mariadb: ids that differ only by case or trailing space are different documents', async (t) => {
  const store = await openStore(t);
  await store.commitChanges({ collection: 'c', upserts: [doc('a', '1'), doc('A', '2'), doc('a ', '3')], deletes: [], message: 'm' });
  t.is((await store.documentHashes('c')).size, 3);
  t.deepEqual(await store.existing('c', ['a ']), new Set(['a ']));
});

test('mariadb: lookups of 70,000 ids are split under the placeholder limit, one query per chunk', async (t) => {
  const store = await openStore(t);
  const docs = Array.from({ length: 20_000 }, (_, i) => doc(`k${i}`, `v${i}`));
  await store.commitChanges({ collection: 'big', upserts: docs, deletes: [], message: 'twenty thousand' });
  const ids = Array.from({ length: 70_000 }, (_, i) => `k${i}`);
  const before = (await store.queryCount());
  t.is((await store.existing('big', ids)).size, 20_000);
  t.is((await store.queryCount()) - before, Math.ceil(70_000 / 5_000));
  const coalesced = (await store.queryCount());
  const answers = await Promise.all(ids.slice(0, 12_000).map((id) => store.exists('big', id)));
  t.true(answers.every(Boolean));
  t.is((await store.queryCount()) - coalesced, Math.ceil(12_000 / 5_000), 'N concurrent exists() cost ceil(N/chunk) queries');
});

test('mariadb: the log and diffs work without Dolt (commit log table + sync log); branches say they need Dolt', async (t) => {
  const store = await openStore(t);
  const first = await store.commitChanges({ collection: 'c', upserts: [doc('a', '1'), doc('b', '2')], deletes: [], message: 'first' });
  const second = await store.commitChanges({ collection: 'c', upserts: [doc('a', '1b')], deletes: ['b'], message: 'second' });
  t.deepEqual((await store.log()).map((c) => [c.hash, c.message]), [[second, 'second'], [first, 'first']]);
  t.deepEqual((await store.diff(second!)).map((c) => `${c.type}:${c.docId}`).sort(), ['modified:a', 'removed:b']);
  t.is(await store.activeBranch(), 'main');
  await t.throwsAsync(store.createBranch('x'), { instanceOf: StoreArgumentError });
});

test('mariadb: wrong credentials give a clear error without the password', async (t) => {
  const url = server.url('mysql').replace(server.password, 'not-the-password');
  const error = await t.throwsAsync(MysqlStore.connect({ url }), { instanceOf: StoreConnectionError });
  t.regex(error.message, /Access denied/);
  t.false(error.message.includes('not-the-password'));
  t.false(JSON.stringify(error.cause ?? {}).includes('not-the-password'));
});

test.serial('mariadb: server killed mid-query: typed error promptly; the pool recovers after a restart', async (t) => {
  const own = await startMariaDb();
  t.teardown(() => own.stop());
  const store = await MysqlStore.connect({ url: own.url('mysql'), connectTimeoutMs: 2_000 });
  t.teardown(() => store.close());
  await store.commitChanges({ collection: 'c', upserts: [doc('a', '1')], deletes: [], message: 'before' });
  // Another session's write lock keeps the store's read waiting on the server until the server dies.
  const locker = await mysql.createConnection(own.url('mysql'));
  locker.on('error', () => {}); // it dies with the server
  t.teardown(() => locker.destroy());
  await locker.query('LOCK TABLES documents WRITE');
  const slow = store.documentHashes('c');
  setTimeout(() => void own.kill(), 200);
  const started = performance.now();
  const error = await t.throwsAsync(slow, { instanceOf: StoreConnectionError });
  t.true(performance.now() - started < 10_000);
  t.false('sql' in (error.cause as object), 'no SQL text in the error');
  await own.restart();
  t.deepEqual([...(await store.documentHashes('c')).keys()], ['a']);
});

test.serial('mariadb: a frozen server gives StoreTimeoutError at the query deadline, not a hang', async (t) => {
  const own = await startMariaDb();
  t.teardown(async () => {
    own.process.signal('SIGCONT');
    await own.stop();
  });
  const store = await MysqlStore.connect({ url: own.url('mysql'), queryTimeoutMs: 500, connectTimeoutMs: 1_000 });
  t.teardown(() => store.close());
  await store.documentHashes('c');
  await freeze(own.process.pid);
  await t.throwsAsync(store.documentHashes('c'), { instanceOf: StoreTimeoutError });
  own.process.signal('SIGCONT');
  t.deepEqual(await store.documentHashes('c'), new Map());
});
