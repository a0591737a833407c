// The document hash snapshots beside a store file: a read that finds the documents table as a snapshot recorded
// it costs one query (the table's hash) instead of a read of every row; any change to the table (a commit, a
// branch switch) makes the next read go to the table again, and a damaged snapshot is read past, never trusted.
import test from 'ava';
import { statSync, writeFileSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import type { DoltLiteEngineKind } from '../../lib/dolt/engine/sql-engine.js';
import { snapshotFile } from '../../lib/dolt/hash-snapshot.js';
import { tempDir } from '../helpers/temp-dir.js';
import { doc } from './contract.js';

/** The pairs a read returns, sorted, and the engine queries it cost. */
async function read(store: DoltLiteStore, collection = 'c'): Promise<{ pairs: Array<[string, string]>; queries: number }> {
  const before = await store.queryCount();
  const pairs = [...(await store.documentHashes(collection))].sort(([a], [b]) => (a < b ? -1 : 1));
  return { pairs, queries: (await store.queryCount()) - before };
}

const pairsOf = (...docs: Array<ReturnType<typeof doc>>): Array<[string, string]> =>
  docs.map((d): [string, string] => [d.docId, d.contentHash]).sort(([a], [b]) => (a < b ? -1 : 1));

for (const engine of ['native', 'wasm'] as DoltLiteEngineKind[]) {
  test(`hash snapshot (${engine}): a second read of an unchanged table is one query; commits and branch switches are seen`, async (t) => {
    const path = join(tempDir(t, `snapshot-${engine}`), 'store.doltlite');
    let store = await DoltLiteStore.open({ path, engine });
    const a = doc('a', 'A');
    const b = doc('b', 'B');
    await store.commitChanges({ collection: 'c', upserts: [a, b], deletes: [], message: 'a, b' });

    const first = await read(store);
    t.deepEqual(first.pairs, pairsOf(a, b));
    t.true(first.queries >= 2, 'the first read reads the table');
    t.is(statSync(snapshotFile(path, 'c')).mode & 0o777, 0o600, 'the snapshot is private to the user');
    t.deepEqual(await read(store), { pairs: pairsOf(a, b), queries: 1 });

    // A commit changes the table: the next read sees the change, and records it.
    const a2 = doc('a', 'A, edited');
    const c = doc('c', 'C');
    await store.commitChanges({ collection: 'c', upserts: [a2, c], deletes: ['b'], message: 'edit a, drop b, add c' });
    const afterCommit = await read(store);
    t.deepEqual(afterCommit.pairs, pairsOf(a2, c));
    t.true(afterCommit.queries >= 2);
    t.deepEqual(await read(store), { pairs: pairsOf(a2, c), queries: 1 });

    // Another branch holds another table: read from it, then the snapshot of main's serves main again.
    await store.createBranch('side');
    await store.commitChanges({ collection: 'c', upserts: [b], deletes: [], message: 'b again on main' });
    t.deepEqual((await read(store)).pairs, pairsOf(a2, b, c));
    await store.checkout('side');
    t.deepEqual((await read(store)).pairs, pairsOf(a2, c));
    await store.checkout('main');
    const back = await read(store);
    t.deepEqual(back.pairs, pairsOf(a2, b, c));

    // Another collection has its own snapshot; a new process finds both.
    const d = doc('d', 'D');
    await store.commitChanges({ collection: 'other', upserts: [d], deletes: [], message: 'other' });
    t.deepEqual((await read(store, 'other')).pairs, pairsOf(d));
    t.deepEqual((await read(store, 'c')).pairs, pairsOf(a2, b, c));
    await store.close();
    store = await DoltLiteStore.open({ path, engine });
    t.teardown(() => store.close());
    t.deepEqual(await read(store, 'c'), { pairs: pairsOf(a2, b, c), queries: 1 });
    t.deepEqual(await read(store, 'other'), { pairs: pairsOf(d), queries: 1 });
  });
}

test('hash snapshot: a damaged or forged snapshot is read past and replaced; the answer is always the table', async (t) => {
  const path = join(tempDir(t, 'snapshot-damage'), 'store.doltlite');
  const store = await DoltLiteStore.open({ path });
  t.teardown(() => store.close());
  const a = doc('a', 'A');
  const b = doc('b', 'B');
  await store.commitChanges({ collection: 'c', upserts: [a, b], deletes: [], message: 'a, b' });
  await read(store);
  const file = snapshotFile(path, 'c');
  const good = readFileSync(file);
  const newline = good.indexOf(0x0a);
  const header = JSON.parse(good.subarray(0, newline).toString('utf8')) as Record<string, unknown>;
  const forge = (body: string, patch: Record<string, unknown> = {}) => {
    const bytes = Buffer.from(body, 'utf8');
    const sha1 = createHash('sha1').update(bytes).digest('hex');
    return `${JSON.stringify({ ...header, bytes: bytes.length, sha1, ...patch })}\n${body}`;
  };
  const damaged: Array<[string, string | Buffer]> = [
    ['cut short', good.subarray(0, good.length - 5)],
    ['no header', good.subarray(newline + 1)],
    ['a byte changed in the body', Buffer.concat([good.subarray(0, good.length - 3), Buffer.from('x'), good.subarray(good.length - 2)])],
    ['another pair under the old digest', good.toString('utf8').replace(a.contentHash, b.contentHash)],
    ['pairs of another content, digest recomputed, for another table hash', forge('[["z","0"]]', { table: 'f'.repeat(40) })],
    ['pairs of another collection', forge('[["z","0"]]', { collection: 'other' })],
    ['not pairs, with a matching digest and table hash', forge('{"a":1}')],
    ['a newer format', forge('[["z","0"]]', { version: 2 })],
  ];
  for (const [what, content] of damaged) {
    writeFileSync(file, content);
    t.deepEqual((await read(store)).pairs, pairsOf(a, b), what);
    t.deepEqual(await read(store), { pairs: pairsOf(a, b), queries: 1 }, `${what}: replaced by a good snapshot`);
  }
});

test('hash snapshot: a folder that cannot hold snapshots costs speed only', async (t) => {
  const path = join(tempDir(t, 'snapshot-unusable'), 'store.doltlite');
  const store = await DoltLiteStore.open({ path });
  t.teardown(() => store.close());
  const a = doc('a', 'A');
  await store.commitChanges({ collection: 'c', upserts: [a], deletes: [], message: 'a' });
  const folder = dirname(snapshotFile(path, 'c'));
  rmSync(folder, { recursive: true, force: true });
  writeFileSync(folder, 'a file where the snapshot folder goes');
  for (let round = 0; round < 2; round++) {
    const { pairs, queries } = await read(store);
    t.deepEqual(pairs, pairsOf(a));
    t.true(queries >= 2, 'no snapshot: every read reads the table');
  }
  rmSync(folder);
  mkdirSync(folder, { mode: 0o700 });
  await read(store);
  t.is((await read(store)).queries, 1, 'usable again: the snapshot serves');
});

test('hash snapshot: a store without a file keeps none and reads the table', async (t) => {
  const store = await DoltLiteStore.open({});
  t.teardown(() => store.close());
  const a = doc('a', 'A');
  await store.commitChanges({ collection: 'c', upserts: [a], deletes: [], message: 'a' });
  t.deepEqual(await read(store), { pairs: pairsOf(a), queries: 1 });
  t.deepEqual(await read(store), { pairs: pairsOf(a), queries: 1 });
});
