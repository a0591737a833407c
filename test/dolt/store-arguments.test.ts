/**
 * Bad arguments to the stores get a typed error with a stable `code` before anything opens or runs, and lose
 * nothing: a misspelt option never falls back to an in-memory store, a count is a whole number in range, and no
 * store error carries an SQL statement.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { InvalidChangeError, StoreAlreadyExistsError, storeError, withoutStatement } from '../../lib/dolt/errors.js';
import { DoltLiteVersioning } from '../../lib/dolt/doltlite-versioning-client.js';
import { MysqlStore } from '../../lib/dolt/mysql-store.js';
import { tempDir } from '../helpers/temp-dir.js';

test('DoltLiteStore.open refuses unknown keys and non-object options before creating anything', async (t) => {
  const dir = tempDir(t, 'store-args');
  const path = join(dir, 'store.doltlite');
  const cases: Array<[unknown, string, RegExp]> = [
    [{ pth: path }, 'ERR_INVALID_ARG_VALUE', /unknown option "pth"/],
    [path, 'ERR_INVALID_ARG_TYPE', /options must be an object/],
    [[path], 'ERR_INVALID_ARG_TYPE', /options must be an object/],
    [{ path, engine: 'bogus' }, 'ERR_INVALID_ARG_VALUE', /'engine'/],
    [{ path, python: 5 }, 'ERR_INVALID_ARG_TYPE', /'python'/],
    [{ path, cloneFrom: '' }, 'ERR_INVALID_ARG_VALUE', /'cloneFrom'/],
    [{ path, repairTornTail: true }, 'ERR_INVALID_ARG_VALUE', /unknown option "repairTornTail"/],
  ];
  for (const [options, code, message] of cases) {
    const error = await t.throwsAsync(DoltLiteStore.open(options as never), { instanceOf: TypeError });
    t.is((error as TypeError & { code: string }).code, code, JSON.stringify(options));
    t.regex(error!.message, message);
  }
  await t.throwsAsync(DoltLiteStore.clone('file:///x', { path, pth: 1 } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(DoltLiteStore.clone('', { path }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  t.false(existsSync(path), 'no store was created');
});

test('MysqlStore.connect refuses unknown keys and wrong types before any pool opens', async (t) => {
  for (const [options, code] of [
    [{ url: 'mysql://127.0.0.1:1/x', querytimeoutMs: 5 }, 'ERR_INVALID_ARG_VALUE'],
    ['mysql://127.0.0.1:1/x', 'ERR_INVALID_ARG_TYPE'],
    [undefined, 'ERR_INVALID_ARG_TYPE'],
    [{ host: '127.0.0.1', port: 'x', database: 'd' }, 'ERR_INVALID_ARG_TYPE'],
    [{ host: '127.0.0.1', port: 70_000, database: 'd' }, 'ERR_OUT_OF_RANGE'],
    [{ url: 'mysql://127.0.0.1:1/x', rowsPerInsert: 0 }, 'ERR_OUT_OF_RANGE'],
  ] as const) {
    // Port 1 refuses at once: were the options not checked first, this would be a connection error.
    await t.throwsAsync(MysqlStore.connect(options as never), { code }, JSON.stringify(options));
  }
});

test('log(limit) takes a whole number >= 0; other counts are typed errors, and the store still works', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  for (const limit of [-1, NaN, 1.5, Infinity, 2 ** 60]) {
    await t.throwsAsync(store.log(limit), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' }, String(limit));
  }
  for (const limit of ['x', null, 1n]) {
    await t.throwsAsync(store.log(limit as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' }, String(limit));
  }
  const versioning = new DoltLiteVersioning(store);
  await t.throwsAsync(versioning.chunkTotals(0, 0), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
  await t.throwsAsync(versioning.chunkTotals(100, 100), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
  await t.throwsAsync(versioning.chunkTotals(NaN, 0), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
  await t.throwsAsync(versioning.documentsAt('HEAD', { colection: 'x' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  t.is((await store.log(1)).length, 1, 'the schema commit');
  t.deepEqual(await store.log(0), []);
});

test('a commit message is checked first: null, a number, a blank string or a NUL is InvalidChangeError, changes or not', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  const versioning = new DoltLiteVersioning(store);
  // The engine cuts its arguments at a NUL: it must be refused typed, not reach the engine as a query error.
  for (const message of [null, 5, '', '  ', 'a\u0000b', '\u0000']) {
    await t.throwsAsync(store.commit(message as never), { instanceOf: InvalidChangeError, code: 'ERR_STORE_INVALID_CHANGE' });
    const staged = { message, upsertCollections: [], removeCollections: [], upserts: [], deletes: [] };
    await t.throwsAsync(versioning.stageAll(staged as never), { instanceOf: InvalidChangeError });
    await t.throwsAsync(versioning.merge('main', message as never), { instanceOf: InvalidChangeError });
  }
});

test('existing branches, tags and remotes are StoreAlreadyExistsError; remote names and URLs are checked when added', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  const versioning = new DoltLiteVersioning(store);
  await versioning.createBranch('feat');
  await versioning.createBranch('other');
  const exists = async (work: Promise<unknown>, kind: string, name: string) => {
    const error = await t.throwsAsync(work, { instanceOf: StoreAlreadyExistsError, code: 'ERR_STORE_ALREADY_EXISTS' });
    t.deepEqual((error as StoreAlreadyExistsError).details, { kind, name });
    t.notRegex(error!.message, /SELECT|dolt_/);
  };
  await exists(versioning.createBranch('feat'), 'branch', 'feat');
  await exists(versioning.createBranch('main', 'feat'), 'branch', 'main');
  await exists(versioning.renameBranch('other', 'feat'), 'branch', 'feat');
  await versioning.createTag('v1');
  await exists(versioning.createTag('v1'), 'tag', 'v1');
  await versioning.addRemote('origin', 'file:///tmp/remote-store.doltlite');
  await exists(versioning.addRemote('origin', 'file:///tmp/other.doltlite'), 'remote', 'origin');
  t.deepEqual((await versioning.branches()).map((b) => b.name), ['feat', 'main', 'other'], 'nothing renamed or added');

  for (const url of ['notaurl', './relremote', 'relative/folder', '/srv/notes', '-flag', '', 'ftp://host/x']) {
    await t.throwsAsync(versioning.addRemote('x', url), { code: 'ERR_STORE_ARGUMENT', message: /invalid remote url/ }, url);
  }
  await t.throwsAsync(versioning.addRemote('', 'file:///tmp/r'), { code: 'ERR_STORE_ARGUMENT', message: /invalid remote name/ });
  await versioning.addRemote('web', 'https://example.invalid/notes');
  t.deepEqual((await versioning.remotes()).map((r) => r.name), ['origin', 'web']);
});

test('a branch and a tag never share a name: either order, and by rename, is StoreAlreadyExistsError naming the other', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  const versioning = new DoltLiteVersioning(store);
  await versioning.createTag('v1');
  await versioning.createBranch('feat');
  await versioning.createBranch('other');
  const refused = async (work: Promise<unknown>, kind: string, name: string) => {
    const error = await t.throwsAsync(work, { instanceOf: StoreAlreadyExistsError, code: 'ERR_STORE_ALREADY_EXISTS' });
    t.deepEqual((error as StoreAlreadyExistsError).details, { kind, name });
  };
  await refused(versioning.createBranch('v1'), 'tag', 'v1');
  await refused(versioning.renameBranch('other', 'v1'), 'tag', 'v1');
  await refused(versioning.createTag('feat'), 'branch', 'feat');
  t.deepEqual((await versioning.branches()).map((b) => b.name), ['feat', 'main', 'other'], 'no branch made or renamed');
  t.deepEqual((await versioning.tags()).map((tag) => tag.name), ['v1'], 'no tag made');
  // The tag still resolves, and switching branches still works (a branch beside the tag made both fail).
  t.is(await versioning.resolve('v1'), await versioning.resolve('main'));
  await versioning.switchBranch('feat');
  t.is(await versioning.activeBranch(), 'feat');
  // Not a branch/tag clash, but the same kind of refusal: typed, in the store's words, the branch kept.
  const error = await t.throwsAsync(versioning.deleteBranch('main', true), { code: 'ERR_STORE_ARGUMENT', message: /default branch main/ });
  t.notRegex(error!.message, /dolt_/);
  t.true((await versioning.branches()).some((b) => b.name === 'main'));
});

test('ref names the engine would refuse are StoreArgumentError before reaching it, for branches, tags and remotes', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  const versioning = new DoltLiteVersioning(store);
  for (const name of ['HEAD', 'feat/', 'a//b', 'a/.b', 'a.lock', 'a.lock/b', 'a.', 'a..b', '-x', '../x', 'a b', 'é']) {
    await t.throwsAsync(versioning.createBranch(name), { code: 'ERR_STORE_ARGUMENT', message: /invalid branch name/ }, name);
    await t.throwsAsync(versioning.createTag(name), { code: 'ERR_STORE_ARGUMENT', message: /invalid tag name/ }, name);
    await t.throwsAsync(versioning.addRemote(name, 'file:///tmp/r'), { code: 'ERR_STORE_ARGUMENT', message: /invalid remote name/ }, name);
  }
  for (const name of ['a.b', 'release/1.0', 'HEADS', 'x-HEAD', 'v1.lockx']) await versioning.createBranch(name);
  t.deepEqual((await versioning.branches()).map((b) => b.name).sort(), ['HEADS', 'a.b', 'main', 'release/1.0', 'v1.lockx', 'x-HEAD'].sort());
});

test('no store error carries an SQL statement the engine quoted', (t) => {
  const quoted = storeError(false, "dolt_commit requires a message: SELECT dolt_commit('-A', '-m', '')", 1);
  t.is(quoted.message, 'dolt_commit requires a message');
  t.is(withoutStatement("near 'x': syntax error in INSERT INTO documents VALUES (?)"), "near 'x': syntax error in");
  t.is(withoutStatement('SELECT 1'), 'the statement was rejected');
  t.is(withoutStatement('branch already exists'), 'branch already exists', 'English text is kept');
});

test('store reads and ensureCollection refuse a collection or ids of the wrong type instead of reading nothing', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  await store.ensureCollection('notes');
  const queries = await store.queryCount();
  const typeError = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' };
  for (const collection of [5, null, undefined, {}, ['notes']]) {
    await t.throwsAsync(store.documentHashes(collection as never), typeError, `documentHashes ${String(collection)}`);
    await t.throwsAsync(store.existing(collection as never, ['a']), typeError, `existing ${String(collection)}`);
    await t.throwsAsync(store.exists(collection as never, 'a'), typeError, `exists ${String(collection)}`);
    await t.throwsAsync(store.ensureCollection(collection as never), typeError, `ensureCollection ${String(collection)}`);
  }
  for (const ids of [null, 'a', 5, { 0: 'a', length: 1 }, ['a', 5]]) {
    await t.throwsAsync(store.existing('notes', ids as never), typeError, `ids ${JSON.stringify(ids)}`);
  }
  await t.throwsAsync(store.exists('notes', 5 as never), typeError);
  await t.throwsAsync(store.ensureCollection('notes', 'metadata' as never), typeError);
  await t.throwsAsync(store.documentHashes(''), { instanceOf: InvalidChangeError });
  t.is(await store.queryCount(), queries, 'no bad call reached the engine');
  t.deepEqual(await store.existing('notes', []), new Set());
  t.deepEqual(await store.documentHashes('notes'), new Map());
});
