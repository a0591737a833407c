/**
 * The streamed stage, run against any version store: a first stage reads the collection once (operation
 * counts), documents cut by page boundaries and written by other tools are staged whole, and a document handed
 * to the store early that detection settles at another version is committed at the version detection found.
 */
import test, { type ExecutionContext } from 'ava';
import { Chroma } from '../../lib/chroma/chroma.js';
import { ChromaDoltSync } from '../../lib/sync/chroma-dolt-sync.js';
import { chunkText, nextWriteId } from '../../lib/sync/chunking.js';
import { toChunkRecords } from '../../lib/sync/documents.js';
import { documentHash } from '../../lib/sync/hashing.js';
import { openEmbeddedChroma, type OpenChroma } from '../helpers/open-chroma.js';
import type { OpenSyncStore } from './scenario.js';

/** Chroma operations made so far. */
const chromaOps = (chroma: Chroma) => Object.values(chroma.executor.stats().ops).reduce((sum, op) => sum + (op?.ok ?? 0) + (op?.error ?? 0), 0);
/** One to four chunks, so versions straddle the small pages below. */
const body = (i: number) => Array.from({ length: 1 + (i % 4) * 12 }, (_, k) => `document ${i} sentence ${k}.`).join(' ');
const BATCH = 40;

export function stageStreamScenarios(kind: string, openStore: OpenSyncStore, openChroma: OpenChroma = openEmbeddedChroma): void {
  async function setup(t: ExecutionContext) {
    const chroma = await openChroma(t, 'stage-stream-chroma');
    const store = await openStore(t);
    return { chroma, store, sync: new ChromaDoltSync(chroma, store, { batchSize: BATCH }) };
  }

  test(`${kind}: a first stage reads the collection once (ceil(chunks / batchSize) + a constant operations) and commits every document whole`, async (t) => {
    const { chroma, store, sync } = await setup(t);
    await chroma.createCollection({ name: 'first' });
    const docs = Array.from({ length: 90 }, (_, i) => ({ docId: `d${i}`, content: body(i), metadata: { n: i } }));
    await sync.writeDocuments('first', docs, { timeoutMs: 120_000 });
    // A record another tool wrote, without the library's metadata: a one-chunk document of its own.
    await chroma.add('first', { ids: ['foreign'], documents: ['written by another tool'], metadatas: [{ origin: 'elsewhere' }] });
    const chunks = await chroma.count('first');
    t.true(chunks > 3 * BATCH, `several pages (${chunks} chunks)`);
    const pages = Math.ceil(chunks / BATCH);

    const before = chromaOps(chroma);
    const staged = await sync.stageLocalChanges('first', { message: 'first stage' });
    const used = chromaOps(chroma) - before;
    t.is(staged.sessionOps, used, 'the result counts every operation');
    // Markers (3), the first page as detection reads it, at most 2 lookups of what the scan did not settle.
    t.true(used <= pages + 6, `${used} operations for ${pages} pages`);
    t.is(staged.added.length, 91);
    t.deepEqual(staged.refused, []);
    const hashes = await store.documentHashes('first');
    t.is(hashes.size, 91);
    for (const doc of docs) t.is(hashes.get(doc.docId), documentHash(doc.content, doc.metadata), doc.docId);
    t.is(hashes.get('foreign'), documentHash('written by another tool', { origin: 'elsewhere' }));
    t.is((await store.log(1))[0]!.message, 'first stage');
    const again = await sync.detectLocalChanges('first');
    t.deepEqual([again.added, again.modified, again.deleted, again.incomplete], [[], [], [], []]);

    // A small change afterwards is read by id, with the same operation bound.
    await sync.writeDocuments('first', [{ docId: 'd3', content: 'd3, edited' }]);
    await sync.deleteDocuments('first', ['d4']);
    const small = await sync.stageLocalChanges('first', { message: 'small' });
    t.deepEqual([small.added, small.modified, small.deleted], [[], ['d3'], ['d4']]);
    // Markers (3), the pipelined scan's request past its last page, the lookups and the fetch by id (3).
    t.true(small.sessionOps <= Math.ceil((await chroma.count('first')) / BATCH) + 7, `${small.sessionOps} operations`);
    t.is((await store.documentHashes('first')).get('d3'), documentHash('d3, edited', {}));
  });

  test(`${kind}: a stage of a large share of the collection, and of edits made without the library, reads it once and fetches nothing by id`, async (t) => {
    const { chroma, store, sync } = await setup(t);
    await chroma.createCollection({ name: 'share' });
    const docs = Array.from({ length: 90 }, (_, i) => ({ docId: `d${i}`, content: body(i), metadata: { n: i } }));
    await sync.writeDocuments('share', docs, { timeoutMs: 120_000 });
    await sync.stageLocalChanges('share', { message: 'first stage' });
    // 40% rewritten through the library, and one chunk's text edited in Chroma directly.
    const rewritten = docs.filter((_, i) => i % 5 < 2).map((doc) => ({ ...doc, content: `${doc.content} Edited.` }));
    await sync.writeDocuments('share', rewritten);
    const outside = (await chroma.get('share', { where: { source_id: 'd4' }, include: ['documents', 'metadatas'] })).ids;
    t.is(outside.length, 1);
    await chroma.update('share', { ids: outside, documents: ['d4, edited in Chroma'] });
    const pages = Math.ceil((await chroma.count('share')) / BATCH);
    const fetched: number[] = [];
    const staged = await sync.stageLocalChanges('share', {
      message: 'share',
      onProgress: (p) => {
        if (p.phase === 'fetch') fetched.push(p.documentsRead);
      },
    });
    t.deepEqual(staged.modified.sort(), [...rewritten.map((doc) => doc.docId), 'd4'].sort());
    t.deepEqual(fetched, [0], 'every changed document came with the scan');
    // Markers (3), the scan's pages and its request past the last one, at most 2 lookups.
    t.true(staged.sessionOps <= pages + 6, `${staged.sessionOps} operations for ${pages} pages`);
    const hashes = await store.documentHashes('share');
    for (const doc of rewritten) t.is(hashes.get(doc.docId), documentHash(doc.content, doc.metadata), doc.docId);
    t.is(hashes.get('d4'), documentHash('d4, edited in Chroma', { n: 4 }));
    const again = await sync.detectLocalChanges('share');
    t.deepEqual([again.added, again.modified, again.deleted, again.incomplete], [[], [], [], []]);

    // The flags level: the unstaged chunks are read once, with their texts, besides the ids.
    const second = docs.filter((_, i) => i % 5 >= 2).map((doc) => ({ ...doc, content: `${doc.content} Again.` }));
    await sync.writeDocuments('share', second);
    const unstagedPages = Math.ceil(second.reduce((n, doc) => n + chunkText(doc.content).length, 0) / BATCH);
    const idPages = Math.ceil((await chroma.count('share')) / (BATCH * 10));
    fetched.length = 0;
    const byFlags = await sync.stageLocalChanges('share', {
      message: 'flags',
      verify: 'flags',
      onProgress: (p) => {
        if (p.phase === 'fetch') fetched.push(p.documentsRead);
      },
    });
    t.deepEqual(byFlags.modified.sort(), second.map((doc) => doc.docId).sort());
    t.deepEqual(fetched, [0], 'every changed document came with the scan of the unstaged chunks');
    // Markers (3), both scans and a request past each one's last page, at most 2 lookups.
    t.true(byFlags.sessionOps <= unstagedPages + idPages + 7, `${byFlags.sessionOps} operations for ${unstagedPages} + ${idPages} pages`);
    const committed = await store.documentHashes('share');
    for (const doc of second) t.is(committed.get(doc.docId), documentHash(doc.content, doc.metadata), doc.docId);
    const clean = await sync.detectLocalChanges('share');
    t.deepEqual([clean.added, clean.modified, clean.deleted, clean.incomplete], [[], [], [], []]);
  });

  test(`${kind}: a document handed to the store early and then found at a newer version further on is committed at the newer version`, async (t) => {
    const { chroma, store, sync } = await setup(t);
    await chroma.createCollection({ name: 'race' });
    const fill = (from: number) => Array.from({ length: 50 }, (_, i) => ({ docId: `f${from + i}`, content: `filler ${from + i}` }));
    await sync.writeDocuments('race', fill(0));
    const older = `x, the old version. ${body(3)}`;
    const newest = `x, the newer version. ${body(3)}`;
    await sync.writeDocuments('race', [{ docId: 'x', content: older }]);
    await sync.writeDocuments('race', fill(50));
    // The newer version of x lands at the end and the old one stays (as when a write's clean-up failed): the
    // scan sees the old version whole first, well before the new one.
    // (Several chunks: a one-chunk document's record id is its document id, the same for every version.)
    const newer = toChunkRecords([{ docId: 'x', content: newest }], nextWriteId());
    t.true(newer.ids.length > 1);
    await chroma.add('race', { ids: newer.ids, documents: newer.documents, metadatas: newer.metadatas });
    const staged = await sync.stageLocalChanges('race', { message: 'first stage' });
    t.true(staged.added.includes('x'));
    t.is(staged.added.length, 101);
    t.is((await store.documentHashes('race')).get('x'), documentHash(newest, {}));
    t.not(documentHash(newest, {}), documentHash(older, {}));
    t.is((await store.log()).filter((c) => c.message === 'first stage').length, 1, 'one commit');
    const again = await sync.detectLocalChanges('race');
    t.deepEqual([again.added, again.modified, again.deleted], [[], [], []]);
  });
}
