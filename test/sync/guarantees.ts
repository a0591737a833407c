/**
 * The sync layer's "nothing lost" guarantees, run against any version store: concurrent writers, writes and
 * stages stopped at any point (failed operations, timeouts, SIGKILL of the Python host), chunk-id collisions,
 * collections written by other tools, and change sets a store would reject.
 */
import test, { type ExecutionContext } from 'ava';
import { Chroma } from '../../lib/chroma/chroma.js';
import { InvalidChangeError } from '../../lib/dolt/errors.js';
import type { VersionStore } from '../../lib/dolt/version-store.js';
import { ChromaDoltSync, type SyncOptions, type SyncProgress } from '../../lib/sync/chroma-dolt-sync.js';
import { chunkText } from '../../lib/sync/chunking.js';
import { toDocuments } from '../../lib/sync/documents.js';
import { SyncWriteError } from '../../lib/sync/errors.js';
import { contentHash } from '../../lib/sync/hashing.js';
import { nextEvent } from '../helpers/start-test-session.js';
import { openEmbeddedChroma, type OpenChroma } from '../helpers/open-chroma.js';
import { tempDir } from '../helpers/temp-dir.js';

export type OpenSyncStore = (t: ExecutionContext) => Promise<VersionStore>;

/** Fault-injection rounds: few in `npm test`, more under `npm run stress`. */
const FAULT_ROUNDS = Number(process.env['SYNC_FAULT_ROUNDS'] ?? 2);

const sorted = (ids: Iterable<string>) => [...ids].sort();
/** Version `v` of document `i`: one, two or three chunks depending on both, so rewrites change chunk counts. */
const text = (i: number, v: number) => `doc ${i} version ${v}. ` + 'word '.repeat(((i + v) % 3) * 120);
const docsAt = (n: number, v: number | ((i: number) => number)) =>
  Array.from({ length: n }, (_, i) => ({ docId: `d${i}`, content: text(i, typeof v === 'number' ? v : v(i)) }));

/** What a reader sees: each document's content (null when no version is complete). */
async function contents(chroma: Chroma, collection: string): Promise<Map<string, string | null>> {
  const all = await chroma.get(collection, { include: ['documents', 'metadatas'] });
  const records = all.ids.map((id, i) => ({ id, text: all.documents![i] ?? null, meta: all.metadatas![i] ?? {} }));
  return new Map([...toDocuments(records)].map(([docId, doc]) => [docId, doc.content]));
}

/**
 * `pythonHost`: whether the session is the embedded Python host, which the SIGKILL rounds kill (a remote
 * session's server is killed in the remote Chroma suite instead).
 */
export function syncGuarantees(kind: string, openStore: OpenSyncStore, openChroma: OpenChroma = openEmbeddedChroma, { pythonHost = true } = {}): void {
  async function setup(t: ExecutionContext, options: SyncOptions = {}) {
    const chroma = await openChroma(t, 'sync-chroma', { restartBackoffMs: 10 });
    const store = await openStore(t);
    return { chroma, store, sync: new ChromaDoltSync(chroma, store, options) };
  }

  // Content pages of 8 records; at the flags level pages of 2 (ids in pages of 20), so both scans span pages.
  for (const [verify, batchSize] of [['content', 8], ['flags', 2]] as const) {
    test(`${kind}: a writer rewriting documents while detect and stage (verify '${verify}') page through them: no live document is ever reported deleted or removed, none incomplete`, async (t) => {
      const { chroma, store, sync } = await setup(t, { batchSize });
      // A second syncer has its own per-collection lock, so its writes interleave with the first one's pages.
      const writer = new ChromaDoltSync(chroma, store, { batchSize: 8 });
      await chroma.createCollection({ name: 'busy' });
      const n = 30;
      await sync.writeDocuments('busy', docsAt(n, 0));
      await sync.stageLocalChanges('busy', { message: 'base' });
      let version = 1;
      for (let round = 0; round < Math.max(3, FAULT_ROUNDS); round++) {
        let stop = false;
        let writes = 0;
        const rewriting = (async () => {
          while (!stop) {
            const picked = Array.from({ length: 4 }, (_, k) => (version * 7 + k * 11) % n);
            await writer.writeDocuments('busy', [...new Set(picked)].map((i) => ({ docId: `d${i}`, content: text(i, version) })));
            version++;
            writes++;
          }
        })();
        const detected = await sync.detectLocalChanges('busy', { verify });
        const staged = await sync.stageLocalChanges('busy', { message: `round ${round}`, verify });
        stop = true;
        await rewriting;
        t.deepEqual([detected.deleted, detected.incomplete], [[], []], `round ${round}: detect`);
        t.deepEqual([staged.deleted, staged.incomplete], [[], []], `round ${round}: stage`);
        t.true(writes > 0, 'the writer wrote while detect and stage ran');
        t.is((await store.documentHashes('busy')).size, n, `round ${round}: every document is still in the store`);
      }
      const final = await contents(chroma, 'busy');
      t.is(final.size, n);
      t.true([...final.values()].every((content) => content !== null));
    });
  }

  test(`${kind}: a write refused or stopped part way leaves every document at its previous or its new version, and says which`, async (t) => {
    const { chroma, store, sync } = await setup(t, { batchSize: 3 });
    await chroma.createCollection({ name: 'writes' });
    const n = 8;
    await sync.writeDocuments('writes', docsAt(n, 0));
    await sync.stageLocalChanges('writes', { message: 'v0' });
    const v0 = await contents(chroma, 'writes');

    // Bad input anywhere in the batch: refused before anything is written (previous versions are not deleted).
    await t.throwsAsync(
      sync.writeDocuments('writes', [{ docId: 'd0', content: 'v1' }, { docId: 'd1', content: 'x', metadata: { nested: { no: 1 } } as never }]),
      { instanceOf: InvalidChangeError },
    );
    t.deepEqual(await contents(chroma, 'writes'), v0);

    // Long writes are split into operations of at most batchSize chunks.
    const writes = () => (chroma.executor.stats().ops['upsert']?.ok ?? 0) + (chroma.executor.stats().ops['add']?.ok ?? 0);
    const before = writes();
    const v1 = docsAt(n, 1);
    const chunks = v1.reduce((sum, doc) => sum + chunkText(doc.content).length, 0);
    const sizes: number[] = [];
    let last = 0;
    const result = await sync.writeDocuments('writes', v1, {
      onProgress: (p) => {
        if (p.phase !== 'write') return;
        sizes.push(p.chunksWritten - last);
        last = p.chunksWritten;
      },
    });
    t.true(sizes.every((size) => size <= 3), 'no operation over batchSize chunks');
    t.true(writes() - before <= Math.ceil(chunks / 3) + 1, 'new chunks added, one-chunk documents overwritten in place');
    t.is(writes() - before, sizes.length);
    t.is(result.chunks, chunks);

    // An operation fails (the second), or lands and then its caller is told it failed (the third): the error
    // lists exactly the documents at their new version.
    for (const landsThenFails of [false, true]) {
      const target = landsThenFails ? 3 : 2;
      let calls = 0;
      const flaky = Object.create(chroma) as Chroma;
      for (const method of ['add', 'upsert'] as const) {
        flaky[method] = async (...args: Parameters<Chroma['upsert']>) => {
          calls++;
          if (calls === target && !landsThenFails) throw new Error('chroma down');
          const written = await chroma[method](...args);
          if (calls === target) throw new Error('timed out after it was written');
          return written;
        };
      }
      const previous = await contents(chroma, 'writes');
      const next = docsAt(n, landsThenFails ? 3 : 2);
      const error = await t.throwsAsync(new ChromaDoltSync(flaky, store, { batchSize: 3 }).writeDocuments('writes', next), {
        instanceOf: SyncWriteError,
      });
      t.deepEqual(sorted([...error.written, ...error.notWritten]), sorted(next.map((d) => d.docId)));
      t.deepEqual(error.unconfirmed, []);
      t.true(error.written.length > 0 && error.notWritten.length > 0);
      const now = await contents(chroma, 'writes');
      for (const doc of next) {
        t.is(now.get(doc.docId), error.written.includes(doc.docId) ? doc.content : previous.get(doc.docId)!, doc.docId);
      }
      const detected = await sync.detectLocalChanges('writes');
      t.deepEqual(detected.deleted, []);
      t.deepEqual(detected.incomplete, []);
    }
  });

  if (pythonHost) test(`${kind}: SIGKILL of the Python host at random points of writeDocuments and stageLocalChanges: every document at its old or new version, the store at the old or new commit`, async (t) => {
    const { chroma, store, sync } = await setup(t, { batchSize: 4 });
    const n = 10;
    for (let round = 0; round < FAULT_ROUNDS; round++) {
      const collection = `kill-${round}`;
      await chroma.createCollection({ name: collection });
      const old = docsAt(n, 0);
      await sync.writeDocuments(collection, old);
      const base = await sync.stageLocalChanges(collection, { message: `base ${round}` });
      let kills = 0;
      const fresh = docsAt(n, (i) => (i % 2 === 0 ? 1 : 2));
      const write = await killer(chroma, 6);
      const outcome = await sync.writeDocuments(collection, fresh, { onProgress: write.onProgress }).then(
        () => null,
        (error: unknown) => error,
      );
      kills += Number(await write.settled());
      const after = await contents(chroma, collection);
      for (let i = 0; i < n; i++) {
        const docId = `d${i}`;
        const now = after.get(docId);
        t.true(now === old[i]!.content || now === fresh[i]!.content, `round ${round}: ${docId} is at one version`);
        if (outcome instanceof SyncWriteError && !outcome.unconfirmed.includes(docId)) {
          t.is(now, outcome.written.includes(docId) ? fresh[i]!.content : old[i]!.content);
        }
        if (outcome === null) t.is(now, fresh[i]!.content);
      }

      const expected = new Map([...after].map(([docId, content]) => [docId, contentHash(content!)]));
      const head = await store.head();
      const stage = await killer(chroma, 4);
      const staged = await sync.stageLocalChanges(collection, { message: `stage ${round}`, onProgress: stage.onProgress }).then(
        (r) => r,
        () => null,
      );
      kills += Number(await stage.settled());
      const headAfter = await store.head();
      t.is(headAfter, staged === null ? head : (staged.commit ?? head), 'the store is at the old or the new commit');
      const hashes = await store.documentHashes(collection);
      t.is(hashes.size, n, 'no document removed from the store');
      for (const [docId, hash] of hashes) {
        const oldHash = contentHash(old[Number(docId.slice(1))]!.content);
        t.true(hash === oldHash || hash === expected.get(docId), `round ${round}: ${docId} committed at one version`);
      }
      // Once the host is back, a stage completes the picture and nothing is left to do.
      await sync.stageLocalChanges(collection, { message: `settle ${round}` });
      t.deepEqual(sorted([...(await store.documentHashes(collection))].map((e) => e.join(' '))), sorted([...expected].map((e) => e.join(' '))));
      const settled = await sync.detectLocalChanges(collection);
      t.deepEqual([settled.added, settled.modified, settled.deleted, settled.incomplete], [[], [], [], []]);
      t.truthy(base.commit);
      t.true(kills > 0, 'the host was killed at least once this round');
    }
  });

  test(`${kind}: chunk-id-shaped document ids are refused; records other tools wrote are replaced and deleted by id; adoption is explicit`, async (t) => {
    const { chroma, store, sync } = await setup(t);
    await chroma.createCollection({ name: 'foreign' });
    const long = 'A long legacy document. '.repeat(60);
    const legacy = chunkText(long);
    const tooLong = 'L'.repeat(600);
    await chroma.add('foreign', {
      ids: ['solo', 'gone', tooLong, ...legacy.map((_, i) => `old_chunk_${i}`)],
      documents: ['solo, written by another tool', 'to delete', 'an id no store takes', ...legacy],
    });
    await sync.writeDocuments('foreign', [{ docId: 'x', content: 'x text '.repeat(200) }]);
    const x = (await contents(chroma, 'foreign')).get('x');
    await t.throwsAsync(sync.writeDocuments('foreign', [{ docId: 'x_chunk_0', content: 'collides' }]), { instanceOf: InvalidChangeError });
    t.is((await contents(chroma, 'foreign')).get('x'), x, 'x is whole');

    // Without adoption each foreign record is its own document, and writes by its id take effect.
    const detected = await sync.detectLocalChanges('foreign');
    t.deepEqual(sorted(detected.added), sorted(['solo', 'gone', 'x', ...legacy.map((_, i) => `old_chunk_${i}`)]));
    // A record the store cannot take is reported, not staged, and does not block the others.
    t.deepEqual(detected.refused, [{ docId: tooLong, code: 'ERR_STORE_INVALID_CHANGE' }]);
    await sync.writeDocuments('foreign', [{ docId: 'solo', content: 'solo, rewritten' }]);
    await sync.deleteDocuments('foreign', ['gone']);
    let now = await contents(chroma, 'foreign');
    t.is(now.get('solo'), 'solo, rewritten');
    t.false(now.has('gone'));
    await sync.writeDocuments('foreign', [{ docId: 'solo', content: 'solo, long now. '.repeat(50) }]);
    t.deepEqual((await chroma.get('foreign', { ids: ['solo'] })).ids, [], 'the foreign record was replaced by chunks');
    t.is((await contents(chroma, 'foreign')).get('solo'), 'solo, long now. '.repeat(50));

    const adopted = await sync.adoptCollection('foreign');
    t.deepEqual(adopted.adopted, ['old']);
    t.deepEqual(adopted.skipped, [tooLong], 'an id no store takes is not adopted either');
    now = await contents(chroma, 'foreign');
    t.is(now.get('old'), long);
    t.false(now.has('old_chunk_0'));
    await sync.writeDocuments('foreign', [{ docId: 'old', content: 'replaced' }]);
    t.deepEqual((await chroma.get('foreign', { ids: legacy.map((_, i) => `old_chunk_${i}`) })).ids, []);
    const staged = await sync.stageLocalChanges('foreign', { message: 'adopted' });
    t.deepEqual(sorted((await store.documentHashes('foreign')).keys()), ['old', 'solo', 'x']);
    t.deepEqual(staged.incomplete, []);
    t.deepEqual(staged.refused.map((r) => r.docId), [tooLong]);
    t.is((await sync.stageLocalChanges('foreign', { message: 'again' })).commit, null, 'the refused record does not make every stage fail');
  });

  test(`${kind}: a stage the store would reject (blank message) is refused before anything is touched, and a retry commits everything`, async (t) => {
    const { chroma, store, sync } = await setup(t);
    await chroma.createCollection({ name: 'msgs' });
    await sync.writeDocuments('msgs', docsAt(5, 0));
    const log = await store.log();
    for (const message of ['', '  ', undefined]) {
      await t.throwsAsync(sync.stageLocalChanges('msgs', { message: message as string }), { instanceOf: InvalidChangeError });
    }
    t.deepEqual(await store.log(), log);
    t.is((await store.documentHashes('msgs')).size, 0);
    t.deepEqual(await store.status(), []);
    t.is((await sync.detectLocalChanges('msgs')).added.length, 5, 'the flags and documents are as they were');
    const staged = await sync.stageLocalChanges('msgs', { message: 'the retry' });
    t.truthy(staged.commit);
    t.is((await store.documentHashes('msgs')).size, 5);
  });
}

async function pidOf(chroma: Chroma): Promise<number> {
  return (await chroma.executor.call('pid', undefined)) as number;
}

/**
 * A progress listener that SIGKILLs the Python host after a random one of the first `steps` progress events,
 * at once or a few milliseconds later (between operations, in the middle of the next one, or after the call
 * ended). `settled()` waits until the host is back (the executor restarted and re-opened it) and says whether
 * it was killed. A host killed while the session is idle is restarted as soon as the executor hears of it,
 * but an idle session does not keep the process alive: the call made after the kill does (and must settle).
 */
async function killer(chroma: Chroma, steps: number) {
  const pid = await pidOf(chroma);
  const at = 1 + Math.floor(Math.random() * steps);
  let seen = 0;
  let killed: Promise<void> | null = null;
  return {
    onProgress: (_: SyncProgress) => {
      if (++seen !== at) return;
      const restarted = nextEvent(chroma.executor, 'restarted');
      killed = new Promise<void>((resolve) => {
        setTimeout(() => {
          process.kill(pid, 'SIGKILL');
          resolve();
        }, Math.random() * 15);
      }).then(async () => {
        // Answered by the new host, or rejected (typed) by the one that died: either way it settles.
        const call = pidOf(chroma).catch(() => null);
        await restarted;
        await call;
      });
    },
    async settled(): Promise<boolean> {
      if (killed === null) return false;
      await killed;
      return true;
    },
  };
}
