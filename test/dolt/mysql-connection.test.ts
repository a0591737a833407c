import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { isoDate } from '../../lib/dolt/commit-date.js';
import { StoreArgumentError, StoreConnectionError } from '../../lib/dolt/errors.js';
import { urlSettings } from '../../lib/dolt/mysql-connection-options.js';
import { MysqlStore } from '../../lib/dolt/mysql-store.js';
import { startMariaDb, type MariaDbServer } from '../../lib/servers/mariadb-server.js';
import { freshDatabase } from '../helpers/mariadb.js';
import { doc } from './contract.js';

test('URL parameters: TLS modes, files, timeouts and pool size are read; anything else is a StoreArgumentError', (t) => {
  const read = (query: string) => urlSettings(new URL(`mysql://u@h/db?${query}`).searchParams);
  t.deepEqual(read(''), {});
  t.deepEqual(read('ssl=true'), { ssl: {} });
  t.deepEqual(read('ssl=false'), { ssl: false });
  t.deepEqual(read('ssl-mode=REQUIRED'), { ssl: { rejectUnauthorized: false } });
  t.deepEqual(read('sslmode=verify_identity'), { ssl: {} });
  t.deepEqual(read('ssl_mode=disabled'), { ssl: false });
  t.deepEqual(read('connectTimeout=2500&queryTimeout=900&connectionLimit=8'), {
    connectTimeoutMs: 2500,
    queryTimeoutMs: 900,
    connections: 8,
  });
  for (const bad of ['sslmode=sometimes', 'ssl=yes', 'connectTimeout=-1', 'connectionLimit=2.5', 'ssl-ca=/no/such/file.pem', 'sslmdoe=required', 'ssl=false&ssl-ca=/etc/hostname']) {
    t.throws(() => read(bad), { instanceOf: StoreArgumentError }, bad);
  }
});

test('commit dates: one ISO 8601 UTC form from every source', (t) => {
  const expected = '2026-11-26T10:49:03.000Z';
  t.is(isoDate(new Date(expected)), expected);
  t.is(isoDate(Date.parse(expected) / 1000), expected);
  t.is(isoDate('2026-11-26 10:49:03'), expected, 'zone-less text is UTC');
  t.is(isoDate('2026-11-26 10:49:03.000000'), expected);
  t.is(isoDate('2026-11-26T12:49:03+02:00'), expected);
});

let server: MariaDbServer;
test.before(async () => {
  server = await startMariaDb();
});
test.after.always(async () => {
  await server?.stop();
});

test.serial('mariadb: the URL\'s TLS mode is honoured: required fails on a server without TLS, disabled connects', async (t) => {
  const url = server.url(await freshDatabase(server));
  const refused = await t.throwsAsync(MysqlStore.connect({ url: `${url}?ssl-mode=required&connectTimeout=5000` }), {
    instanceOf: StoreConnectionError,
  });
  t.false(refused.message.includes(server.password), 'no password in the error');
  await t.throwsAsync(MysqlStore.connect({ url, ssl: true, connectTimeoutMs: 5_000 }), { instanceOf: StoreConnectionError });
  const plain = await MysqlStore.connect({ url: `${url}?ssl-mode=disabled&connectionLimit=2` });
  await plain.close();
  t.pass();
});

test.serial('mariadb: an existing mysql2 pool is used as is and stays open after close()', async (t) => {
  const database = await freshDatabase(server);
  const pool = mysql.createPool({ host: server.host, port: server.port, user: server.user, password: server.password, database });
  t.teardown(() => pool.end());
  const store = await MysqlStore.connect({ pool });
  await store.commitChanges({ collection: 'c', upserts: [doc('a', '1')], deletes: [], message: 'through your pool' });
  t.is((await store.log(1))[0]!.message, 'through your pool');
  await store.close();
  const [rows] = (await pool.query('SELECT doc_id FROM documents')) as unknown as [Array<{ doc_id: string }>];
  t.deepEqual(rows.map((row) => row.doc_id), ['a'], 'the pool still works: it is the caller\'s');
});

test.serial('mariadb: the CLI\'s log on a database without a store fails naming it and creates no table', async (t) => {
  const database = await freshDatabase(server);
  const cli = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url));
  const failed = await t.throwsAsync(promisify(execFile)(process.execPath, [cli, 'log', '--dolt-url', server.url(database)]));
  t.is((failed as Error & { code?: number }).code, 1);
  t.regex(String((failed as Error & { stderr?: string }).stderr), new RegExp(`no version store in database "${database}"`));
  t.notRegex(String((failed as Error & { stderr?: string }).stderr), new RegExp(server.password), 'no password in the output');
  const connection = await mysql.createConnection(server.url(database));
  t.teardown(() => connection.end());
  const [tables] = (await connection.query('SHOW TABLES')) as unknown as [unknown[]];
  t.deepEqual(tables, [], 'nothing was created');
});
