/**
 * The streamed stage, run against any version store: a first stage reads the collection once (operation
 * counts), documents cut by page boundaries and written by other tools are staged whole, and a document handed
 * to the store early that detection settles at another version is committed at the version detection found.
 */
import test, { type ExecutionContext } from 'ava';
import { Chroma } from '../../lib/chroma/chroma.js';
import { ChromaDoltSync } from '../../lib/sync/chroma-dolt-sync.js';
import { nextWriteId } from '../../lib/sync/chunking.js';
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
    t.true(small.sessionOps <= Math.ceil((await chroma.count('first')) / BATCH) + 6);
    t.is((await store.documentHashes('first')).get('d3'), documentHash('d3, edited', {}));
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
