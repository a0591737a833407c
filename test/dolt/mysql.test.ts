import test from 'ava';
import mysql from 'mysql2/promise';
import { MysqlStore } from '../../lib/dolt/mysql-store.js';
import {
  DocumentTooLargeError,
  StoreArgumentError,
  StoreConnectionError,
  StoreTimeoutError,
} from '../../lib/dolt/errors.js';
import { startMariaDb, type MariaDbServer } from '../../lib/servers/mariadb-server.js';
import { freshDatabase } from '../helpers/mariadb.js';
import { freeze } from '../helpers/temp-dir.js';
import { doc, versionStoreContract } from './contract.js';
import { streamedCommitContract } from './stream-contract.js';

/** A tight packet limit, so byte batching is exercised by every test here (the server default is 16 MiB). */
const PACKET = 1024 * 1024;

let server: MariaDbServer;
test.before(async () => {
  server = await startMariaDb();
  const admin = await mysql.createConnection(server.url('mysql'));
  await admin.query('SET GLOBAL max_allowed_packet = ?', [PACKET]);
  await admin.end();
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
streamedCommitContract('mariadb', openStore);

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

/** Settles with what `work` settles with, or rejects after `ms`: a hang fails the test at once instead of timing it out. */
function withinDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms)));
  return Promise.race([work, hang]).finally(() => clearTimeout(timer));
}

test.serial('mariadb: a frozen server: a commit and every call after it reject at their deadlines (a timed-out connection is never reused)', async (t) => {
  const own = await startMariaDb();
  t.teardown(async () => {
    own.process.signal('SIGCONT');
    await own.stop();
  });
  const store = await MysqlStore.connect({ url: own.url(await freshDatabase(own)), queryTimeoutMs: 500, connectTimeoutMs: 1_000, connections: 2 });
  t.teardown(() => store.close());
  const kept = await store.commitChanges({ collection: 'c', upserts: [doc('a', 'A')], deletes: [], message: 'kept' });
  await Promise.all([store.log(), store.log()]); // both pooled connections open and idle
  await freeze(own.process.pid);
  // The commit's transaction times out on its connection, and its ROLLBACK must not wait behind that statement;
  // then more calls than the pool has connections: none may queue behind a statement that timed out.
  const commit = store.commitChanges({ collection: 'c', upserts: [doc('b', 'B')], deletes: [], message: 'frozen' });
  const error = await withinDeadline(commit.then(() => null, (e: unknown) => e), 10_000, 'the commit');
  t.true(error instanceof StoreTimeoutError || error instanceof StoreConnectionError, `typed: ${String(error)}`);
  for (let call = 0; call < 4; call++) {
    const outcome = await withinDeadline(store.log().then(() => null, (e: unknown) => e), 10_000, `call ${call}`);
    t.true(outcome instanceof StoreTimeoutError || outcome instanceof StoreConnectionError, `call ${call} typed: ${String(outcome)}`);
  }
  own.process.signal('SIGCONT');
  t.is(await store.head(), kept, 'the frozen commit did not land');
  t.deepEqual([...(await store.documentHashes('c')).keys()], ['a']);
});

test('mariadb: multi-row statements are cut by bytes: 600 documents of 4 KB commit under a 1 MiB packet, quotes and all', async (t) => {
  const store = await openStore(t);
  const body = (i: number) => `'quoted' "double" \\back\nslash ${i} `.repeat(120);
  const docs = Array.from({ length: 600 }, (_, i) => doc(`file-${i}.py`, body(i), { path: `src/file-${i}.py` }));
  const commit = await store.commitChanges({ collection: 'corpus', upserts: docs, deletes: [], message: 'a corpus' });
  t.truthy(commit);
  t.is((await store.documentHashes('corpus')).size, 600);
  // Everything was in one transaction: the commit's diff has all of it.
  t.is((await store.diff(commit!)).length, 600);
});

test('mariadb: a document larger than the packet limit is refused up front with DocumentTooLargeError; nothing is written', async (t) => {
  const store = await openStore(t);
  t.true(store.maxDocumentBytes > 0 && store.maxDocumentBytes < PACKET / 2);
  await store.commitChanges({ collection: 'big', upserts: [doc('small', 'x')], deletes: [], message: 'base' });
  const log = await store.log();
  const huge = doc('huge', 'y'.repeat(PACKET + 10));
  const error = await t.throwsAsync(
    store.commitChanges({ collection: 'big', upserts: [doc('a', 'a'), huge], deletes: ['small'], message: 'too big' }),
    { instanceOf: DocumentTooLargeError, code: 'ERR_STORE_DOCUMENT_TOO_LARGE' },
  );
  t.is(error.details['index'], 1);
  t.deepEqual([...(await store.documentHashes('big')).keys()], ['small']);
  t.deepEqual(await store.log(), log);
  // The documented size always fits, even when every character needs escaping.
  const atLimit = doc('at-limit', "'".repeat(store.maxDocumentBytes - 2));
  t.truthy(await store.commitChanges({ collection: 'big', upserts: [atLimit], deletes: [], message: 'at the limit' }));
  t.true((await store.documentHashes('big')).has('at-limit'));
});

test('mariadb: a store made with 255-character id columns is widened to the library limit on connect', async (t) => {
  const database = await freshDatabase(server);
  const connection = await mysql.createConnection(server.url(database));
  t.teardown(() => connection.end());
  await connection.query(
    `CREATE TABLE documents (doc_id VARCHAR(255) NOT NULL, collection_name VARCHAR(255) NOT NULL, content LONGTEXT NOT NULL,
     content_hash CHAR(64) NOT NULL, metadata JSON, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
     updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (doc_id, collection_name))`,
  );
  const store = await MysqlStore.connect({ url: server.url(database) });
  t.teardown(() => store.close());
  const long = 'é'.repeat(512);
  await store.commitChanges({ collection: 'c', upserts: [doc(long, 'x')], deletes: [], message: 'long id' });
  t.deepEqual([...(await store.documentHashes('c')).keys()], [long]);
});

test('mariadb: no error carries the password, from a bad URL or a refused login', async (t) => {
  const secret = 'pa55-s3cret-word';
  for (const url of [`mysql://user:${secret}@[bad-host/db`, `mysql://user:${secret}@127.0.0.1:notaport/db`, `http://user:${secret}@127.0.0.1/db`, `mysql://user:${secret}%zz@127.0.0.1/db`]) {
    const error = await t.throwsAsync(MysqlStore.connect({ url }), { instanceOf: StoreArgumentError });
    const everything = [error.message, error.stack, JSON.stringify(error), JSON.stringify(error.cause ?? null), String(error.cause)].join(' ');
    t.false(everything.includes(secret), url.replace(secret, '***'));
  }
});
