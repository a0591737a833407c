/** The streamed commit's contract (`commitStream`), run against every store: DoltLite (both engines) and MariaDB. */
import test from 'ava';
import { InvalidChangeError } from '../../lib/dolt/errors.js';
import type { ChangeBatch, VersionStore } from '../../lib/dolt/version-store.js';
import { doc, type OpenStore } from './contract.js';

/** Everything observable about a collection: what a failed stream must leave exactly as it was. */
async function snapshot(store: VersionStore, collection: string) {
  return { hashes: [...(await store.documentHashes(collection))].sort(), log: await store.log(), status: await store.status() };
}

function parts(count: number, size: number, prefix: string): ChangeBatch[] {
  return Array.from({ length: count }, (_, p) => ({
    upserts: Array.from({ length: size }, (_, i) => doc(`${prefix}-${p}-${i}`, `text of ${prefix} ${p}/${i}`, { part: p })),
  }));
}

export function streamedCommitContract(kind: string, open: OpenStore): void {
  test(`${kind}: a streamed commit writes every part in one commit, with the sync log of one change set`, async (t) => {
    const store = await open(t);
    await store.commitChanges({ collection: 's', upserts: [doc('old', 'old'), doc('gone', 'gone')], deletes: [], message: 'base' });
    const before = (await store.log()).length;
    async function* source(): AsyncGenerator<ChangeBatch> {
      yield { upserts: [doc('old', 'old v2')] };
      yield {}; // empty parts are skipped
      for (const part of parts(3, 40, 'new')) yield part;
      yield { deletes: ['gone'] };
    }
    const hash = await store.commitStream({ collection: 's', message: 'streamed', batches: source() });
    t.truthy(hash);
    const log = await store.log();
    t.is(log.length, before + 1, 'one commit');
    t.is(log[0]!.message, 'streamed');
    t.deepEqual(await store.status(), []);
    const hashes = await store.documentHashes('s');
    t.is(hashes.size, 121);
    t.is(hashes.get('old'), doc('old', 'old v2').contentHash);
    const changes = await store.diff(hash!);
    t.is(changes.length, 122);
    t.deepEqual(changes.filter((c) => c.type !== 'added').map((c) => `${c.type}:${c.docId}`).sort(), ['modified:old', 'removed:gone']);
    // A stream with no change commits nothing (and a plain iterable works too).
    t.is(await store.commitStream({ collection: 's', message: 'nothing', batches: [{}, { upserts: [] }] }), null);
    t.is((await store.log()).length, before + 1);
  });

  test(`${kind}: a bad part, an id repeated across parts, or a source that throws rolls everything back; the store stays usable`, async (t) => {
    const store = await open(t);
    await store.commitChanges({ collection: 'r', upserts: [doc('keep', 'kept')], deletes: [], message: 'base' });
    const before = await snapshot(store, 'r');
    const broken = { docId: 'bad', content: 42 as unknown as string, contentHash: 'x'.repeat(64), metadata: {} };
    const failures: Array<{ name: string; batches: () => AsyncIterable<ChangeBatch>; expect: object }> = [
      {
        name: 'bad part',
        batches: async function* () {
          yield* parts(2, 10, 'a');
          yield { upserts: [doc('fine', 'fine'), broken] };
        },
        expect: { instanceOf: InvalidChangeError, code: 'ERR_STORE_INVALID_CHANGE' },
      },
      {
        name: 'repeated id',
        batches: async function* () {
          yield { upserts: [doc('twice', 'one')] };
          yield { deletes: ['twice'] };
        },
        expect: { instanceOf: InvalidChangeError },
      },
      {
        name: 'throwing source',
        batches: async function* () {
          yield* parts(2, 10, 'b');
          yield { deletes: ['keep'] };
          throw new Error('source failed');
        },
        expect: { message: 'source failed' },
      },
    ];
    for (const failure of failures) {
      await t.throwsAsync(store.commitStream({ collection: 'r', message: failure.name, batches: failure.batches() }), failure.expect, failure.name);
      t.deepEqual(await snapshot(store, 'r'), before, `${failure.name}: nothing written, history unchanged`);
    }
    await t.throwsAsync(store.commitStream({ collection: 'r', message: ' ', batches: [] }), { instanceOf: InvalidChangeError });
    await t.throwsAsync(store.commitStream({ collection: 'r', message: 'm', batches: 7 as never }), { instanceOf: InvalidChangeError });
    const after = await store.commitStream({ collection: 'r', message: 'works', batches: parts(2, 5, 'ok') });
    t.truthy(after, 'the store commits after every failure');
    t.is((await store.documentHashes('r')).size, 11);
  });

  test(`${kind}: while a stream is open, other calls never see its uncommitted rows, and other commits wait for it`, async (t) => {
    const store = await open(t);
    await store.commitChanges({ collection: 'w', upserts: [doc('base', 'base')], deletes: [], message: 'base' });
    let during: Promise<Map<string, string>> | null = null;
    let other: Promise<string | null> | null = null;
    async function* source(): AsyncGenerator<ChangeBatch> {
      yield* parts(1, 20, 'first');
      // Started (not awaited: the caller of a stream must not wait on its own store) between two parts.
      during = store.documentHashes('w');
      other = store.commitChanges({ collection: 'w', upserts: [doc('other', 'other')], deletes: [], message: 'other' });
      yield* parts(1, 20, 'second');
    }
    const hash = await store.commitStream({ collection: 'w', message: 'stream', batches: source() });
    const seen = (await during!).size;
    t.true(seen === 1 || seen === 41, `the read saw the state before or after the stream, never part of it (saw ${seen})`);
    t.truthy(await other!);
    const log = await store.log(2);
    t.deepEqual(log.map((c) => c.message), ['other', 'stream'], 'the other commit came after the stream');
    t.is(log[1]!.hash, hash!);
    t.is((await store.documentHashes('w')).size, 42);
  });
}
