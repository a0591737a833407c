/** The version-store contract: one suite, run against every store (DoltLite, and mysql2 on MariaDB). */
import test, { type ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import { InvalidChangeError, StoreArgumentError, StoreConstraintError, StoreError } from '../../lib/dolt/errors.js';
import {
  MAX_COLLECTION_NAME_LENGTH,
  MAX_ID_LENGTH,
  type ChangeSet,
  type DocumentRecord,
  type VersionStore,
} from '../../lib/dolt/version-store.js';

export type OpenStore = (t: ExecutionContext) => Promise<VersionStore>;

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
export const doc = (docId: string, content: string, metadata: Record<string, unknown> = {}): DocumentRecord => ({
  docId,
  content,
  contentHash: sha(content),
  metadata,
});

export function versionStoreContract(kind: string, open: OpenStore): void {
  test(`${kind}: commit dates are ISO 8601 in UTC, close to now`, async (t) => {
    const store = await open(t);
    await store.commitChanges({ collection: 'dates', upserts: [doc('d', 'dated')], deletes: [], message: 'dated' });
    const [latest] = await store.log(1);
    t.regex(latest!.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // Generous: only a time-zone shift (whole hours) or a wrong epoch would be this far off.
    t.true(Math.abs(Date.parse(latest!.date) - Date.now()) < 10 * 60_000, latest!.date);
  });

  test(`${kind}: commitChanges writes documents and sync log in one commit; the log shows its message`, async (t) => {
    const store = await open(t);
    await store.ensureCollection('notes', { owner: 'tests' });
    await store.ensureCollection('notes');
    t.deepEqual(await store.documentHashes('notes'), new Map());
    const before = (await store.log()).length;
    const odd = 'ünïcödé \'quoted\' "double" `tick` \\ back; DROP TABLE documents; --';
    const hash = await store.commitChanges({
      collection: 'notes',
      upserts: [doc('a', 'alpha'), doc(odd, 'weird id'), doc('c', '日本語のテキスト', { tags: 'x' })],
      deletes: [],
      message: 'add three notes',
    });
    t.truthy(hash);
    t.is(await store.head(), hash);
    t.deepEqual(await store.status(), [], 'nothing left uncommitted');
    t.deepEqual(
      (await store.diff(hash!)).map((c) => `${c.type}:${c.docId}`).sort(),
      ['added:a', 'added:c', `added:${odd}`].sort(),
    );
    const log = await store.log();
    t.is(log.length, before + 1);
    t.is(log[0]!.message, 'add three notes');
    t.is(log[0]!.hash, hash!);
    const hashes = [...(await store.documentHashes('notes'))].sort(([x], [y]) => x.localeCompare(y));
    t.deepEqual(hashes, [['a', sha('alpha')], ['c', sha('日本語のテキスト')], [odd, sha('weird id')]].sort(([x], [y]) => x!.localeCompare(y!)));
    t.deepEqual(await store.documentHashes('other'), new Map(), 'collections are separate');

    const second = await store.commitChanges({
      collection: 'notes',
      upserts: [doc('a', 'alpha v2')],
      deletes: [odd],
      message: 'edit a, drop the weird one',
    });
    const changes = (await store.diff(second!)).sort((x, y) => x.docId.localeCompare(y.docId));
    t.deepEqual(
      changes.map((c) => [c.docId, c.type]),
      [['a', 'modified'], [odd, 'removed']].sort((x, y) => x[0]!.localeCompare(y[0]!)),
    );
    t.is(changes.find((c) => c.docId === 'a')!.toHash, sha('alpha v2'));
    t.is(await store.commitChanges({ collection: 'notes', upserts: [], deletes: [], message: 'nothing' }), null);
    t.is((await store.log())[0]!.message, 'edit a, drop the weird one');
  });

  test(`${kind}: lookups with 0, 1 and 10,000 ids; concurrent exists() share queries`, async (t) => {
    const store = await open(t);
    const docs = Array.from({ length: 10_000 }, (_, i) => doc(`id-${i}`, `content ${i}`));
    await store.commitChanges({ collection: 'big', upserts: docs, deletes: [], message: 'ten thousand' });
    const q0 = await store.queryCount();
    t.deepEqual(await store.existing('big', []), new Set());
    t.is(await store.queryCount(), q0, 'no query for no ids');
    t.deepEqual(await store.existing('big', ['id-5']), new Set(['id-5']));
    const probe = Array.from({ length: 10_000 }, (_, i) => (i % 2 ? `id-${i}` : `missing-${i}`));
    t.is((await store.existing('big', probe)).size, 5_000);
    t.is((await store.documentHashes('big')).size, 10_000);

    const q1 = await store.queryCount();
    const answers = await Promise.all(probe.slice(0, 1_000).map((id) => store.exists('big', id)));
    t.is(answers.filter(Boolean).length, 500);
    t.true((await store.queryCount()) - q1 <= 2, 'one query (plus the counter read) for 1,000 exists()');
  });

  test(`${kind}: a bad document in a change set leaves nothing half-written`, async (t) => {
    const store = await open(t);
    await store.commitChanges({ collection: 'tx', upserts: [doc('keep', 'kept')], deletes: [], message: 'base' });
    const logBefore = await store.log();
    const broken = { docId: 'bad', content: null as unknown as string, contentHash: 'x'.repeat(64), metadata: {} };
    await t.throwsAsync(
      store.commitChanges({
        collection: 'tx',
        upserts: [doc('new-1', 'one'), broken, doc('new-2', 'two')],
        deletes: ['keep'],
        message: 'must not land',
      }),
      { instanceOf: InvalidChangeError },
    );
    t.deepEqual([...(await store.documentHashes('tx')).keys()], ['keep']);
    t.deepEqual(await store.log(), logBefore);
    const after = await store.commitChanges({ collection: 'tx', upserts: [doc('new-1', 'one')], deletes: [], message: 'ok' });
    t.truthy(after, 'the store works after the failed transaction');
  });

  /** Everything observable about the store: what a refused change set must leave exactly as it was. */
  async function snapshot(store: VersionStore, collection: string) {
    return { hashes: [...(await store.documentHashes(collection))].sort(), log: await store.log(), status: await store.status() };
  }

  test(`${kind}: a change set the commit would reject (blank message) is refused whole, and a retry commits all of it`, async (t) => {
    const store = await open(t);
    await store.commitChanges({ collection: 'msg', upserts: [doc('keep', 'kept'), doc('gone', 'x')], deletes: [], message: 'base' });
    const before = await snapshot(store, 'msg');
    const changes = (message: unknown): ChangeSet => ({
      collection: 'msg',
      upserts: [doc('keep', 'kept v2'), doc('new', 'fresh')],
      deletes: ['gone'],
      message: message as string,
    });
    for (const message of ['', '   \n', undefined, 42, 'bad \udc00 surrogate']) {
      await t.throwsAsync(store.commitChanges(changes(message)), { instanceOf: InvalidChangeError, code: 'ERR_STORE_INVALID_CHANGE' });
      t.deepEqual(await snapshot(store, 'msg'), before, `nothing written or left uncommitted for message ${JSON.stringify(message)}`);
    }
    const commit = await store.commitChanges(changes('the retry'));
    t.truthy(commit);
    t.deepEqual((await store.diff(commit!)).map((c) => `${c.type}:${c.docId}`).sort(), ['added:new', 'modified:keep', 'removed:gone']);
    t.deepEqual(await store.status(), []);
  });

  test(`${kind}: ids and collection names at the library's limit work; one character over is refused before writing`, async (t) => {
    const store = await open(t);
    // 4-byte characters: the limit is in characters, and the widest ones must fit the key too.
    const atLimit = '😀'.repeat(MAX_ID_LENGTH);
    const collection = 'c'.repeat(MAX_COLLECTION_NAME_LENGTH - 1) + '😀';
    const commit = await store.commitChanges({ collection, upserts: [doc(atLimit, 'long id')], deletes: [], message: 'at the limit' });
    t.truthy(commit);
    t.deepEqual([...(await store.documentHashes(collection)).keys()], [atLimit]);
    t.deepEqual(await store.existing(collection, [atLimit]), new Set([atLimit]));
    const before = await snapshot(store, collection);
    const over: ChangeSet[] = [
      { collection, upserts: [doc('ok', 'ok'), doc(atLimit + 'x', 'one over')], deletes: [], message: 'id over' },
      { collection: collection + 'x', upserts: [doc('ok', 'ok')], deletes: [], message: 'name over' },
      { collection, upserts: [doc('ok', 'ok')], deletes: [atLimit + '😀'], message: 'delete id over' },
      { collection, upserts: [doc('ok', 'ok'), doc('', 'empty id')], deletes: [], message: 'empty id' },
      { collection, upserts: [doc('ok', 'ok'), doc('ok', 'twice')], deletes: [], message: 'duplicate' },
      { collection, upserts: [doc('ok', 'ok'), { ...doc('b', 'x'), metadata: { n: 1n } }], deletes: [], message: 'bigint' },
      { collection, upserts: [doc('ok', 'ok'), doc('s', 'lone \ud800 surrogate')], deletes: [], message: 'surrogate' },
    ];
    for (const changes of over) {
      await t.throwsAsync(store.commitChanges(changes), { instanceOf: InvalidChangeError }, changes.message);
    }
    t.deepEqual(await snapshot(store, collection), before);
  });

  test(`${kind}: the same failure is the same class on every store: an unknown commit is a StoreArgumentError`, async (t) => {
    const store = await open(t);
    await store.commitChanges({ collection: 'c', upserts: [doc('a', 'alpha')], deletes: [], message: 'one' });
    const error = await t.throwsAsync(store.diff('no-such-commit'), { instanceOf: StoreArgumentError });
    t.true(error instanceof StoreError);
    t.is(error.code, 'ERR_STORE_ARGUMENT');
  });
}
