/**
 * writeDocuments keeps the session busy: the next write operation is queued while the session runs the current
 * one, and a large first operation is split into a small head and pieces growing from it. Pipelining changes nothing of what a failed
 * write reports: nothing more is queued after a failure, and the error names exactly what landed.
 */
import test, { type ExecutionContext } from 'ava';
import { Chroma } from '../../lib/chroma/chroma.js';
import type { VersionStore } from '../../lib/dolt/version-store.js';
import { ChromaDoltSync, type SyncProgress } from '../../lib/sync/chroma-dolt-sync.js';
import { SyncWriteError } from '../../lib/sync/errors.js';
import { COUNT_BEFORE_LOOKUP_FROM } from '../../lib/sync/write-documents.js';
import { tempDir } from '../helpers/temp-dir.js';

/** writeDocuments reads only the store's size limit; the store itself plays no part here. */
const noStore = { maxDocumentBytes: undefined } as unknown as VersionStore;
/** One-chunk documents: a document is one record, so operation sizes are document counts. */
const docs = (n: number, version: string) => Array.from({ length: n }, (_, i) => ({ docId: `d${i}`, content: `document ${i}, ${version}` }));

/** Documents by id (Chroma does not promise the order of a get by ids). */
async function read(chroma: Chroma, collection: string, ids: string[]): Promise<Record<string, string | null>> {
  const result = await chroma.get(collection, { ids, include: ['documents'] });
  return Object.fromEntries(result.ids.map((id, i) => [id, result.documents![i] ?? null]));
}

async function open(t: ExecutionContext, name: string) {
  const chroma = await Chroma.embedded({ path: tempDir(t, 'write-pipeline'), embeddingFunction: null });
  t.teardown(() => chroma.close());
  await chroma.createCollection({ name });
  return chroma;
}

/** The chroma facade with its writes observed (and optionally replaced) in call order. */
function observed(chroma: Chroma, replace?: (call: number, write: () => Promise<number>) => Promise<number>) {
  const events: string[] = [];
  let calls = 0;
  const spy = Object.create(chroma) as Chroma;
  for (const method of ['add', 'upsert'] as const) {
    spy[method] = (...args: Parameters<Chroma['add']>) => {
      const call = ++calls;
      events.push(`issued ${call}`);
      const write = () => chroma[method](...args);
      const written = replace ? replace(call, write) : write();
      void written.then(
        () => events.push(`settled ${call}`),
        () => events.push(`failed ${call}`),
      );
      return written;
    };
  }
  return { spy, events };
}

test('a large write: the first operation is split into a head (a tenth) and the rest, the rest queued before the head settles', async (t) => {
  const chroma = await open(t, 'pipelined');
  const { spy, events } = observed(chroma);
  const sizes: number[] = [];
  let last = 0;
  const result = await new ChromaDoltSync(spy, noStore).writeDocuments('pipelined', docs(1_200, 'v1'), {
    onProgress: (p: SyncProgress) => {
      if (p.phase !== 'write') return;
      sizes.push(p.chunksWritten - last);
      last = p.chunksWritten;
    },
  });
  t.deepEqual(sizes, [120, 1_080], 'a head of a tenth, then the rest (one operation more than ceil(chunks / batchSize))');
  t.is(result.chunks, 1_200);
  t.true(events.indexOf('issued 2') < events.indexOf('settled 1'), `pipelined: ${events.join(', ')}`);
  t.is(await chroma.count('pipelined'), 1_200);
  t.deepEqual(await read(chroma, 'pipelined', ['d0', 'd1199']), { d0: 'document 0, v1', d1199: 'document 1199, v1' });
});

test('a failed operation with the next one already queued: nothing more is queued, and the error names exactly what landed', async (t) => {
  const chroma = await open(t, 'failing');
  await new ChromaDoltSync(chroma, noStore).writeDocuments('failing', docs(1_200, 'v1'));
  // The first operation fails without writing, once the second was queued behind it; the second lands.
  let secondQueued!: () => void;
  const queued = new Promise<void>((resolve) => (secondQueued = resolve));
  const { spy, events } = observed(chroma, async (call, write) => {
    if (call === 2) secondQueued();
    if (call !== 1) return write();
    await queued; // never settles unless the write pipelines: the test's timeout would fail it
    throw new Error('chroma down');
  });
  const error = await t.throwsAsync(new ChromaDoltSync(spy, noStore, { batchSize: 500 }).writeDocuments('failing', docs(1_200, 'v2')), {
    instanceOf: SyncWriteError,
  });
  t.false(events.includes('issued 3'), `nothing queued after the failure: ${events.join(', ')}`);
  t.true(events.indexOf('issued 2') < events.indexOf('failed 1'));
  const second = docs(1_200, '').slice(500, 1_000).map((doc) => doc.docId);
  t.deepEqual([...error.written].sort(), [...second].sort());
  t.is(error.notWritten.length, 700);
  t.deepEqual(error.unconfirmed, []);
  t.deepEqual(await read(chroma, 'failing', ['d0', 'd500', 'd999', 'd1000']), {
    d0: 'document 0, v1',
    d500: 'document 500, v2',
    d999: 'document 999, v2',
    d1000: 'document 1000, v1',
  });
});

test('operations of a write: new documents vs replacing them, each kind counted', async (t) => {
  const chroma = await open(t, 'counted');
  const sync = new ChromaDoltSync(chroma, noStore, { batchSize: 25 });
  // 30 one-chunk documents and 10 of three chunks: 60 chunks, 40 documents.
  const mixed = (version: string) => [
    ...docs(30, version),
    ...Array.from({ length: 10 }, (_, i) => ({ docId: `long${i}`, content: `${version} `.repeat(400).slice(0, 1_200) })),
  ];
  const counted = async (write: () => Promise<{ sessionOps: number; chunks: number }>) => {
    const before = chroma.executor.stats().ops;
    const result = await write();
    const after = chroma.executor.stats().ops;
    const ops = Object.fromEntries(
      ['count', 'get', 'add', 'upsert', 'delete', 'getCollection', 'update'].map((op) => [op, (after[op]?.ok ?? 0) - (before[op]?.ok ?? 0)]),
    );
    t.is(result.sessionOps, Object.values(ops).reduce((a, b) => a + b, 0), 'sessionOps counts every operation');
    t.is(result.chunks, 60);
    return ops;
  };
  // Lookup: 1 by id + ceil(40 / 25) by source_id; then ceil(60 / 25) adds; the late-write check reads the markers.
  t.deepEqual(await counted(() => sync.writeDocuments('counted', mixed('v1'))), { count: 0, get: 3, add: 3, upsert: 0, delete: 0, getCollection: 1, update: 0 });
  // Replacing: the one-chunk documents are overwritten in place (30: 2 upserts), the long ones get new chunk ids
  // (30: 2 adds), and their 30 previous chunks are deleted (2 deletes).
  t.deepEqual(await counted(() => sync.writeDocuments('counted', mixed('v2'))), { count: 0, get: 3, add: 2, upsert: 2, delete: 2, getCollection: 1, update: 0 });
  t.is(await chroma.count('counted'), 60);
  t.deepEqual(await read(chroma, 'counted', ['d0', 'd29']), { d0: 'document 0, v2', d29: 'document 29, v2' });
});

test('a write of 1,000 documents or more into an empty collection counts it instead of looking up; into a non-empty one it looks up too', async (t) => {
  const chroma = await open(t, 'import');
  const sync = new ChromaDoltSync(chroma, noStore);
  const opsOf = async (write: () => Promise<{ sessionOps: number }>) => {
    const before = chroma.executor.stats().ops;
    const result = await write();
    const after = chroma.executor.stats().ops;
    const ops = Object.fromEntries(['count', 'get'].map((op) => [op, (after[op]?.ok ?? 0) - (before[op]?.ok ?? 0)]));
    t.true(result.sessionOps >= ops['count']! + ops['get']!);
    return ops;
  };
  const many = docs(COUNT_BEFORE_LOOKUP_FROM, 'v1');
  // The first import: one count, and none of the reads by id (the late-write check reads no records).
  t.deepEqual(await opsOf(() => sync.writeDocuments('import', many)), { count: 1, get: 0 });
  t.is(await chroma.count('import'), COUNT_BEFORE_LOOKUP_FROM);
  // Again, into what the first wrote: the count finds records, so the lookup runs (1 by id + 1 by source_id) and
  // every document is replaced, none doubled.
  t.deepEqual(await opsOf(() => sync.writeDocuments('import', docs(COUNT_BEFORE_LOOKUP_FROM, 'v2'))), { count: 1, get: 2 });
  t.is(await chroma.count('import'), COUNT_BEFORE_LOOKUP_FROM);
  t.deepEqual(await read(chroma, 'import', ['d0', 'd999']), { d0: 'document 0, v2', d999: 'document 999, v2' });
});
