/**
 * Collections as users really have them, run against any version store: created with a distance function
 * and keys of the user's own, or holding records another tool named like the library's chunk ids. A stage must
 * work on them and keep the user's collection metadata, and both detection levels must agree about them.
 */
import test, { type ExecutionContext } from 'ava';
import { Chroma } from '../../lib/chroma/chroma.js';
import { ChromaDoltSync } from '../../lib/sync/chroma-dolt-sync.js';
import { markersOf } from '../../lib/sync/stage-floor.js';
import { openEmbeddedChroma, type OpenChroma } from '../helpers/open-chroma.js';
import type { OpenSyncStore } from './levels.js';

const changes = (r: { added: string[]; modified: string[]; deleted: string[] }) => [r.added.sort(), r.modified.sort(), r.deleted.sort()];

export function syncOddCollections(kind: string, openStore: OpenSyncStore, openChroma: OpenChroma = openEmbeddedChroma): void {
  async function setup(t: ExecutionContext) {
    const chroma = await openChroma(t, 'sync-odd');
    const store = await openStore(t);
    return { chroma, store, sync: new ChromaDoltSync(chroma, store, { batchSize: 3 }) };
  }

  test(`${kind}: a collection created with a distance function and user keys stages, and keeps its metadata`, async (t) => {
    const { chroma, sync } = await setup(t);
    const userMetadata = { 'hnsw:space': 'cosine', owner: 'team-a', revision: 3 };
    await chroma.createCollection({ name: 'spaced', metadata: userMetadata });
    // Chunks straddling pages of 3 at every boundary, an empty document, text outside the BMP.
    const docs = [
      { docId: 'long', content: 'x'.repeat(1500) },
      { docId: 'empty', content: '' },
      { docId: 'emoji', content: '😀'.repeat(1200) },
      { docId: 'a@b', content: 'at' },
    ];
    await sync.writeDocuments('spaced', docs);
    const staged = await sync.stageLocalChanges('spaced', { message: 'first' });
    t.deepEqual(changes(staged), [docs.map((d) => d.docId).sort(), [], []]);
    t.true(staged.flagsCleared);
    const metadata = (await chroma.listCollections()).find((c) => c.name === 'spaced')!.metadata!;
    for (const [key, value] of Object.entries(userMetadata)) t.is(metadata[key], value, key);
    t.not(markersOf(metadata).floor, null);
    for (const verify of ['content', 'flags'] as const) t.deepEqual(changes(await sync.detectLocalChanges('spaced', { verify })), [[], [], []], verify);
    // Changing the distance function is still refused.
    await t.throwsAsync(chroma.executor.call('modifyCollection', { collection: 'spaced', metadata: { 'hnsw:space': 'l2' }, merge: true }));
  });

  test(`${kind}: records another tool named like chunk ids are documents of their own at both levels`, async (t) => {
    const { chroma, sync } = await setup(t);
    await chroma.createCollection({ name: 'foreign' });
    await sync.writeDocuments('foreign', [{ docId: 'y', content: 'y '.repeat(400) }]);
    await sync.stageLocalChanges('foreign', { message: 'base' });
    // Null options mean the defaults, as undefined does (not a TypeError from inside).
    t.deepEqual(changes(await sync.detectLocalChanges('foreign', null as never)), [[], [], []]);
    await sync.writeDocuments('foreign', [{ docId: 'y', content: 'y '.repeat(400) }], null as never);
    // No library metadata, and no document of the prefix: each is a one-chunk document named by its id.
    await chroma.add('foreign', { ids: ['z_chunk_0@ab', 'v_chunk_7@ff', 'w_chunk_2'], documents: ['one', 'two', 'three'] });
    const expected = [['v_chunk_7@ff', 'w_chunk_2', 'z_chunk_0@ab'], [], []];
    for (const verify of ['content', 'flags'] as const) t.deepEqual(changes(await sync.detectLocalChanges('foreign', { verify })), expected, verify);
    t.deepEqual(changes(await sync.stageLocalChanges('foreign', { message: 'foreign', verify: 'flags' })), expected);
    for (const verify of ['content', 'flags'] as const) t.deepEqual(changes(await sync.detectLocalChanges('foreign', { verify })), [[], [], []], verify);
    // Gone again: both levels see the deletions, and the library document stays.
    await chroma.delete('foreign', { ids: ['z_chunk_0@ab', 'v_chunk_7@ff'] });
    for (const verify of ['content', 'flags'] as const) {
      t.deepEqual(changes(await sync.detectLocalChanges('foreign', { verify })), [[], [], ['v_chunk_7@ff', 'z_chunk_0@ab']], verify);
    }
    // Once staged, a document whose id is chunk-shaped stays its own even when its prefix is a document too.
    await sync.writeDocuments('foreign', [{ docId: 'w', content: 'w '.repeat(400) }]);
    await sync.stageLocalChanges('foreign', { message: 'w' });
    for (const verify of ['content', 'flags'] as const) t.deepEqual(changes(await sync.detectLocalChanges('foreign', { verify })), [[], [], []], verify);
    await chroma.delete('foreign', { ids: ['w_chunk_2'] });
    for (const verify of ['content', 'flags'] as const) t.deepEqual(changes(await sync.detectLocalChanges('foreign', { verify })), [[], [], ['w_chunk_2']], verify);
  });

  test(`${kind}: a new document left incomplete (a chunk lost) is incomplete at both levels, before and after a stage`, async (t) => {
    const { chroma, sync } = await setup(t);
    await chroma.createCollection({ name: 'torn' });
    await sync.writeDocuments('torn', [{ docId: 'n', content: 'n '.repeat(600) }, { docId: 'k', content: 'kept' }]);
    const chunks = await chroma.get('torn', { where: { source_id: 'n' }, include: ['metadatas'] });
    t.true(chunks.ids.length > 2);
    await chroma.delete('torn', { ids: [chunks.ids[1]!] });
    const expected = { added: ['k'], incomplete: ['n'] };
    const seen = (r: { added: string[]; incomplete: string[] }) => ({ added: r.added.sort(), incomplete: r.incomplete.sort() });
    for (const verify of ['content', 'flags'] as const) t.deepEqual(seen(await sync.detectLocalChanges('torn', { verify })), expected, verify);
    t.deepEqual(seen(await sync.stageLocalChanges('torn', { message: 'k', verify: 'flags' })), expected);
    // The floor now covers n's chunks; still incomplete at both levels, never an addition of its chunk ids.
    for (const verify of ['content', 'flags'] as const) t.deepEqual(seen(await sync.detectLocalChanges('torn', { verify })), { added: [], incomplete: ['n'] }, verify);
  });
}
