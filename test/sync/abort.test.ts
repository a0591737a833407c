/**
 * Cancelling sync calls: an aborted signal rejects before anything is touched; an abort from a progress callback
 * (deterministic: at a chosen page or phase) rejects with AbortError whose cause is the reason, holds no lock, and
 * leaves a state the next call completes with every document present exactly once.
 */
import test, { type ExecutionContext } from 'ava';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { AbortError } from '../../lib/errors.js';
import { ChromaDoltSync } from '../../lib/sync/chroma-dolt-sync.js';
import { openEmbeddedChroma } from '../helpers/open-chroma.js';

const docs = Array.from({ length: 12 }, (_, i) => ({ docId: `d${i}`, content: `document number ${i} `.repeat(3) }));

async function setup(t: ExecutionContext, name: string) {
  const chroma = await openEmbeddedChroma(t, name);
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  const collection = await chroma.createCollection({ name: 'notes' });
  return { chroma, store, collection, sync: new ChromaDoltSync(chroma, store, { batchSize: 2 }) };
}

test('sync abort: an already-aborted signal rejects every call at once with its reason as cause; a non-signal is a TypeError', async (t) => {
  const { sync, collection } = await setup(t, 'abort-early-chroma');
  const reason = new Error('shutting down');
  const signal = AbortSignal.abort(reason);
  const aborted = { instanceOf: AbortError, code: 'ERR_SESSION_ABORTED' };
  const calls = [
    sync.writeDocuments('notes', docs, { signal }),
    sync.deleteDocuments('notes', ['d0'], { signal }),
    sync.detectLocalChanges('notes', { signal }),
    sync.stageLocalChanges('notes', { message: 'm', signal }),
    sync.adoptCollection('notes', { signal }),
  ];
  for (const call of calls) t.is((await t.throwsAsync(call, aborted))!.cause, reason);
  t.is(await collection.count(), 0, 'nothing was written');
  for (const bad of [{}, 'abort', true]) {
    await t.throwsAsync(sync.detectLocalChanges('notes', { signal: bad } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /signal/ });
  }
});

test('sync abort mid-write: the same write again succeeds and each document is held once', async (t) => {
  const { sync, collection } = await setup(t, 'abort-write-chroma');
  const controller = new AbortController();
  const reason = new Error('request closed');
  const error = await t.throwsAsync(
    sync.writeDocuments('notes', docs, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'write' && p.chunksWritten > 0) controller.abort(reason);
      },
    }),
    { instanceOf: AbortError },
  );
  t.is(error!.cause, reason);
  t.true((await collection.count()) < docs.length, 'the abort stopped the write before its end');
  await sync.writeDocuments('notes', docs);
  t.is(await collection.count(), docs.length, 'one chunk per document, none twice');
  const detected = await sync.detectLocalChanges('notes');
  t.deepEqual([...detected.added].sort(), docs.map((d) => d.docId).sort());
  t.deepEqual(detected.incomplete, []);
});

test('sync abort mid-detect changes nothing; mid-stage before the commit commits nothing, and the next stage commits everything once', async (t) => {
  const { sync, store } = await setup(t, 'abort-stage-chroma');
  await sync.writeDocuments('notes', docs);
  const detectAbort = new AbortController();
  await t.throwsAsync(
    sync.detectLocalChanges('notes', { signal: detectAbort.signal, onProgress: (p) => p.phase === 'read' && p.pagesRead === 1 && detectAbort.abort() }),
    { instanceOf: AbortError },
  );
  t.is((await store.documentHashes('notes')).size, 0, 'detect wrote nothing');

  for (const verify of ['content', 'flags'] as const) {
    const stageAbort = new AbortController();
    await t.throwsAsync(
      sync.stageLocalChanges('notes', {
        message: 'aborted',
        verify,
        signal: stageAbort.signal,
        onProgress: (p) => (p.phase === 'read' || p.phase === 'fetch') && stageAbort.abort(),
      }),
      { instanceOf: AbortError },
    );
    t.is((await store.documentHashes('notes')).size, 0, `an abort before the commit commits nothing (${verify})`);
  }
  const staged = await sync.stageLocalChanges('notes', { message: 'all' });
  t.truthy(staged.commit);
  t.is(staged.added.length, docs.length);
  t.is((await store.documentHashes('notes')).size, docs.length);
  for (const verify of ['content', 'flags'] as const) {
    const again = await sync.detectLocalChanges('notes', { verify });
    t.deepEqual([again.added, again.modified, again.deleted], [[], [], []], `nothing left to stage (${verify})`);
  }
});

test('sync abort after the commit: the stage finishes its floor and returns its commit', async (t) => {
  const { sync } = await setup(t, 'abort-late-chroma');
  await sync.writeDocuments('notes', docs);
  const controller = new AbortController();
  const staged = await sync.stageLocalChanges('notes', {
    message: 'late',
    signal: controller.signal,
    onProgress: (p) => p.phase === 'commit' && controller.abort(),
  });
  t.truthy(staged.commit);
  t.true(staged.flagsCleared);
  const again = await sync.detectLocalChanges('notes', { verify: 'flags' });
  t.deepEqual([again.added, again.modified], [[], []]);
});
