/**
 * Detection levels and staging without rewriting chunks, run against any version store: what `content` and
 * `flags` each see, what they cost in operations, that a stage updates no chunk, and that a write racing a
 * stage is never counted as staged before a stage has committed it.
 */
import test, { type ExecutionContext } from 'ava';
import { Chroma } from '../../lib/chroma/chroma.js';
import type { VersionStore } from '../../lib/dolt/version-store.js';
import { ChromaDoltSync, type SyncProgress } from '../../lib/sync/chroma-dolt-sync.js';
import { ID_PAGE_FACTOR } from '../../lib/sync/chroma-reader.js';
import { FLAGS_CANNOT_SEE } from '../../lib/sync/detect.js';
import { LATE_WRITE_KEY, markersOf } from '../../lib/sync/stage-floor.js';
import { openEmbeddedChroma, type OpenChroma } from '../helpers/open-chroma.js';

export type OpenSyncStore = (t: ExecutionContext) => Promise<VersionStore>;

const ops = (chroma: Chroma, op: string) => chroma.executor.stats().ops[op]?.ok ?? 0;
const changes = (r: { added: string[]; modified: string[]; deleted: string[] }) => [r.added.sort(), r.modified.sort(), r.deleted.sort()];
const long = (seed: string) => Array.from({ length: 90 }, (_, i) => `${seed} sentence ${i}.`).join(' ');

export function syncLevels(kind: string, openStore: OpenSyncStore, openChroma: OpenChroma = openEmbeddedChroma): void {
  async function setup(t: ExecutionContext, batchSize?: number) {
    const chroma = await openChroma(t, 'sync-levels');
    const store = await openStore(t);
    return { chroma, store, sync: new ChromaDoltSync(chroma, store, batchSize ? { batchSize } : {}) };
  }

  test(`${kind}: verify 'content' and 'flags': what each sees, in how many operations; a stage updates no chunk`, async (t) => {
    const batch = 16;
    const { chroma, sync } = await setup(t, batch);
    await chroma.createCollection({ name: 'levels' });
    const docs = Array.from({ length: 40 }, (_, i) => ({ docId: `d${i}`, content: i % 4 === 0 ? long(`d${i}`) : `doc ${i}` }));
    await sync.writeDocuments('levels', docs);
    const chunks = await chroma.count('levels');
    t.true(chunks > docs.length, 'some documents have several chunks');

    const progress: SyncProgress[] = [];
    const updatesBefore = ops(chroma, 'update');
    const first = await sync.stageLocalChanges('levels', { message: 'first', onProgress: (p) => progress.push(p) });
    t.is(first.added.length, 40);
    t.is(ops(chroma, 'update'), updatesBefore, 'no chunk metadata update');
    t.true(first.flagsCleared);
    // Stage: marker read + write, pages, the changed documents by id (groups of <= batch chunks + 1), the floor.
    t.true(first.sessionOps <= 2 + Math.ceil(chunks / batch) + (Math.ceil(chunks / batch) + 2) + 1, `stage used ${first.sessionOps}`);
    t.deepEqual([...new Set(progress.map((p) => p.phase))], ['read', 'fetch', 'commit', 'floor']);

    for (const verify of ['content', 'flags'] as const) {
      const clean = await sync.detectLocalChanges('levels', { verify });
      t.deepEqual(changes(clean), [[], [], []], verify);
      t.is(clean.verify, verify);
      t.deepEqual(clean.cannotSee, verify === 'flags' ? FLAGS_CANNOT_SEE : []);
      // content: one summary per page, and the request past the last; flags: the marker, pages of ids ten times
      // larger (and the request past them), one page of unstaged chunks (and the request past it).
      const bound = verify === 'content' ? Math.ceil(chunks / batch) + 1 : 1 + Math.ceil(chunks / (batch * ID_PAGE_FACTOR)) + 1 + 2;
      t.is(clean.sessionOps, bound, verify);
    }

    // Through the library: an edit, an addition, a deletion. With Chroma directly: an edit keeping the hash.
    await sync.writeDocuments('levels', [{ docId: 'd1', content: 'edited' }, { docId: 'new', content: long('new') }]);
    await sync.deleteDocuments('levels', ['d2']);
    const tampered = await chroma.get('levels', { where: { source_id: 'd4' }, include: ['metadatas'] });
    await chroma.update('levels', { ids: [tampered.ids[0]!], documents: ['changed behind the library'] });
    const byContent = await sync.detectLocalChanges('levels');
    t.deepEqual(changes(byContent), [['new'], ['d1', 'd4'], ['d2']]);
    const byFlags = await sync.detectLocalChanges('levels', { verify: 'flags' });
    t.deepEqual(changes(byFlags), [['new'], ['d1'], ['d2']], 'flags trusts the recorded hash of d4');

    const updates = ops(chroma, 'update');
    const second = await sync.stageLocalChanges('levels', { message: 'second', verify: 'flags' });
    t.deepEqual(changes(second), [['new'], ['d1'], ['d2']]);
    t.is(ops(chroma, 'update'), updates, 'no chunk metadata update');
    t.deepEqual(changes(await sync.detectLocalChanges('levels', { verify: 'flags' })), [[], [], []], 'staged');
    t.deepEqual(changes(await sync.detectLocalChanges('levels')), [[], ['d4'], []], 'content still sees the edit behind the library');
    const third = await sync.stageLocalChanges('levels', { message: 'third' });
    t.deepEqual(changes(third), [[], ['d4'], []]);
    t.is(ops(chroma, 'update'), updates);
    for (const verify of ['content', 'flags'] as const) t.deepEqual(changes(await sync.detectLocalChanges('levels', { verify })), [[], [], []]);
    await t.throwsAsync(sync.detectLocalChanges('levels', { verify: 'hashes' as never }), { instanceOf: TypeError });
  });

  test(`${kind}: a write that lands while a stage runs is never counted as staged before a stage commits it`, async (t) => {
    const { chroma, store, sync } = await setup(t);
    await chroma.createCollection({ name: 'race' });
    await sync.writeDocuments('race', [{ docId: 'x', content: long('x v0') }, { docId: 'y', content: 'y v0' }]);
    await sync.stageLocalChanges('race', { message: 'base' });

    // The writer (another syncer, as another process would be) takes its write id, then is held before its
    // chunks are added; a stage starts, reads everything, commits and records its floor; then the write lands.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reachedAdd!: () => void;
    const atAdd = new Promise<void>((resolve) => (reachedAdd = resolve));
    const slowChroma = Object.create(chroma) as Chroma;
    for (const method of ['add', 'upsert'] as const) {
      slowChroma[method] = async (...args: Parameters<Chroma['add']>) => {
        reachedAdd();
        await held;
        return chroma[method](...args);
      };
    }
    const writer = new ChromaDoltSync(slowChroma, store);
    const writing = writer.writeDocuments('race', [{ docId: 'x', content: long('x v1') }, { docId: 'y', content: 'y v1' }]);
    await atAdd;
    const staged = await sync.stageLocalChanges('race', { message: 'while writing' });
    t.is(staged.commit, null, 'the stage saw nothing of the write');
    const { floor } = markersOf((await chroma.listCollections()).find((c) => c.name === 'race')!.metadata);
    t.not(floor, null);
    release();
    await writing;

    // The write's ids are older than the floor; it stamped itself late, so both levels see it.
    const written = await chroma.get('race', { where: { source_id: { $in: ['x', 'y'] } }, include: ['metadatas'] });
    for (const meta of written.metadatas!) {
      t.true((meta!['write_id'] as number) < floor!, 'the write took its id before the stage started');
      t.true((meta![LATE_WRITE_KEY] as number) >= floor!, 'and is stamped at or above the floor');
    }
    t.deepEqual(changes(await sync.detectLocalChanges('race', { verify: 'flags' })), [[], ['x', 'y'], []], 'flags sees it');
    t.deepEqual(changes(await sync.detectLocalChanges('race')), [[], ['x', 'y'], []], 'content sees it');
    const next = await sync.stageLocalChanges('race', { message: 'the late write', verify: 'flags' });
    t.deepEqual(changes(next), [[], ['x', 'y'], []], 'the next stage commits it');
    t.deepEqual(changes(await sync.detectLocalChanges('race', { verify: 'flags' })), [[], [], []]);
    t.is((await store.documentHashes('race')).size, 2);

    // A write that starts and ends between two stages is never stamped (the common path costs one read).
    const updates = ops(chroma, 'update');
    await sync.writeDocuments('race', [{ docId: 'y', content: 'y v2' }]);
    t.is(ops(chroma, 'update'), updates);
    t.deepEqual(changes(await sync.detectLocalChanges('race', { verify: 'flags' })), [[], ['y'], []]);
  });
}
