/** The seed system's sync scenarios, run against any version store. */
import test, { type ExecutionContext } from 'ava';
import { Chroma } from '../../lib/chroma/chroma.js';
import type { VersionStore } from '../../lib/dolt/version-store.js';
import { ChromaDoltSync } from '../../lib/sync/chroma-dolt-sync.js';
import { markersOf, STAGE_FLOOR_KEY } from '../../lib/sync/stage-floor.js';
import { openEmbeddedChroma, type OpenChroma } from '../helpers/open-chroma.js';

export type OpenSyncStore = (t: ExecutionContext) => Promise<VersionStore>;

const sorted = (ids: string[]) => [...ids].sort();
/** Chroma read operations made so far (page reads, summaries and lookups). */
const readOps = (chroma: Chroma) => ['get', 'summarizePage'].reduce((sum, op) => sum + (chroma.executor.stats().ops[op]?.ok ?? 0), 0);
const long = (seed: string) => Array.from({ length: 140 }, (_, i) => `${seed} sentence ${i}.`).join(' ');

export function syncScenarios(kind: string, openStore: OpenSyncStore, openChroma: OpenChroma = openEmbeddedChroma): void {
  async function setup(t: ExecutionContext, storeFor = openStore) {
    const chroma = await openChroma(t, 'sync-chroma');
    const store = await storeFor(t);
    return { chroma, store, sync: new ChromaDoltSync(chroma, store) };
  }

  test(`${kind}: the seed scenario, 5 times on fresh state: add, detect, stage, modify, external edit, delete`, async (t) => {
    for (let round = 0; round < 5; round++) {
      const { chroma, store, sync } = await setup(t);
      await chroma.createCollection({ name: 'learning-docs' });
      const logLength = (await store.log()).length;
      t.deepEqual(await sync.detectLocalChanges('learning-docs').then((r) => [r.added, r.modified, r.deleted]), [[], [], []]);

      await sync.writeDocuments('learning-docs', [{ docId: 'doc1', content: 'The first document.' }]);
      const first = await sync.detectLocalChanges('learning-docs');
      t.deepEqual([first.added, first.modified, first.deleted], [['doc1'], [], []]);

      const staged = await sync.stageLocalChanges('learning-docs', { message: `round ${round}: add doc1` });
      t.truthy(staged.commit);
      t.true(staged.flagsCleared);
      const log = await store.log();
      t.is(log.length, logLength + 1, 'exactly one new commit');
      t.is(log[0]!.message, `round ${round}: add doc1`);
      const again = await sync.detectLocalChanges('learning-docs');
      t.deepEqual([again.added, again.modified, again.deleted], [[], [], []]);
      t.is((await sync.stageLocalChanges('learning-docs', { message: 'noop' })).commit, null, 'idempotent');
      t.is((await store.log()).length, logLength + 1);

      await sync.writeDocuments('learning-docs', [
        { docId: 'doc1', content: 'The first document, edited.' },
        { docId: 'long', content: long('multi-chunk'), metadata: { title: 'Long one' } },
        { docId: 'ünï', content: '日本語 😀 ünïcödé' },
        { docId: 'doomed', content: 'to be deleted' },
      ]);
      await sync.stageLocalChanges('learning-docs', { message: 'second batch' });
      // An edit made with Chroma directly, bypassing the library: no flag, old hash in the metadata.
      const chunks = await chroma.get('learning-docs', { where: { source_id: 'long' }, include: ['metadatas'] });
      const second = chunks.ids[chunks.metadatas!.findIndex((meta) => meta!['chunk_index'] === 1)]!;
      await chroma.update('learning-docs', { ids: [second], documents: ['tampered text'] });
      await sync.deleteDocuments('learning-docs', ['doomed']);
      const third = await sync.detectLocalChanges('learning-docs');
      t.deepEqual([third.added, third.modified, third.deleted], [[], ['long'], ['doomed']]);
      const committed = await sync.stageLocalChanges('learning-docs', { message: 'external edit and a delete' });
      const diff = await store.diff(committed.commit!);
      t.deepEqual(sorted(diff.map((d) => `${d.type}:${d.docId}`)), ['modified:long', 'removed:doomed']);
      t.deepEqual(await sync.detectLocalChanges('learning-docs').then((r) => [r.added, r.modified, r.deleted]), [[], [], []]);
      const hashes = await store.documentHashes('learning-docs');
      t.deepEqual(sorted([...hashes.keys()]), ['doc1', 'long', 'ünï']);
    }
  });

  test(`${kind}: detect costs at most 3 session ops and 1 store query for 5,000 chunks; the queue stays short`, async (t) => {
    const { chroma, store, sync } = await setup(t);
    await chroma.createCollection({ name: 'big' });
    const docs = Array.from({ length: 2_500 }, (_, i) => ({ docId: `d${i}`, content: `${'body '.repeat(110)} ${i}` }));
    // A generous per-operation deadline: this setup write is one 5,000-chunk operation, and the test counts reads.
    await sync.writeDocuments('big', docs, { timeoutMs: 120_000 });
    t.is(await chroma.count('big'), 5_000);
    const opsBefore = readOps(chroma);
    const queriesBefore = await store.queryCount();
    const result = await sync.detectLocalChanges('big');
    const queriesAfter = await store.queryCount();
    t.is(result.added.length, 2_500);
    t.true(result.sessionOps <= 3);
    t.is(readOps(chroma) - opsBefore, result.sessionOps);
    t.is(queriesAfter - queriesBefore, 1, 'one version-store query');
    t.is(result.storeQueries, 1);
    t.true(chroma.executor.stats().highWater <= 10);
    const staged = await sync.stageLocalChanges('big', { message: 'bulk' });
    t.is(staged.added.length, 2_500);
    t.is((await sync.detectLocalChanges('big')).added.length, 0);
  });

  test(`${kind}: a failing store writes nothing and leaves the flags and the floor; a failing floor update still leaves no change`, async (t) => {
    const { chroma, store, sync } = await setup(t);
    await chroma.createCollection({ name: 'faults' });
    await sync.writeDocuments('faults', [{ docId: 'a', content: 'alpha' }]);
    const failingStore = Object.create(store) as VersionStore;
    failingStore.commitChanges = async () => {
      throw new Error('store down');
    };
    failingStore.commitStream = async () => {
      throw new Error('store down');
    };
    await t.throwsAsync(new ChromaDoltSync(chroma, failingStore).stageLocalChanges('faults', { message: 'x' }), {
      message: 'store down',
    });
    t.deepEqual((await chroma.get('faults', { ids: ['a'] })).metadatas![0]!['is_local_change'], true);
    t.is((await store.documentHashes('faults')).size, 0);

    t.deepEqual((await sync.detectLocalChanges('faults', { verify: 'flags' })).added, ['a'], 'still unstaged');
    t.is(markersOf((await chroma.listCollections()).find((c) => c.name === 'faults')!.metadata).floor, null, 'no floor recorded');

    // Recording the floor fails after the commit: the commit stands, and neither level finds a change.
    const failingChroma = Object.create(chroma) as Chroma;
    const executor = chroma.executor;
    Object.defineProperty(failingChroma, 'executor', {
      value: {
        call: (op: string, arg: { metadata?: Record<string, unknown> }, options: object) =>
          op === 'modifyCollection' && arg.metadata?.[STAGE_FLOOR_KEY] !== undefined
            ? Promise.reject(new Error('chroma metadata down'))
            : executor.call(op as never, arg as never, options),
      },
    });
    const staged = await new ChromaDoltSync(failingChroma, store).stageLocalChanges('faults', { message: 'commit a' });
    t.truthy(staged.commit);
    t.false(staged.flagsCleared);
    t.is((staged.flagError as Error).message, 'chroma metadata down');
    for (const verify of ['content', 'flags'] as const) {
      const after = await sync.detectLocalChanges('faults', { verify });
      t.deepEqual([after.added, after.modified, after.deleted], [[], [], []], `${verify}: hashes match, so nothing to stage`);
    }
  });

  test(`${kind}: stage on one collection is serialised; different collections run concurrently`, async (t) => {
    const { chroma, store, sync } = await setup(t);
    await chroma.createCollection({ name: 'one' });
    await chroma.createCollection({ name: 'two' });
    await sync.writeDocuments('one', [{ docId: 'x', content: 'x' }]);
    await sync.writeDocuments('two', [{ docId: 'y', content: 'y' }]);
    const [a, b, c] = await Promise.all([
      sync.stageLocalChanges('one', { message: 'one, first' }),
      sync.stageLocalChanges('one', { message: 'one, second' }),
      sync.stageLocalChanges('two', { message: 'two' }),
    ]);
    t.truthy(a.commit);
    t.is(b.commit, null, 'the second stage ran after the first and found nothing');
    t.truthy(c.commit);
    const messages = (await store.log()).map((commit) => commit.message);
    t.true(messages.includes('one, first') && messages.includes('two'));
    t.false(messages.includes('one, second'));
  });
}
