/**
 * The sync calls' options are closed and checked before anything is read or written: a misspelt `timeOutMs`
 * is a typed error, not a call without its deadline; an unknown `verify` level has a stable code.
 */
import test from 'ava';
import { ChromaInvalidArgumentError } from '../../lib/chroma/errors.js';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { ChromaDoltSync } from '../../lib/sync/chroma-dolt-sync.js';
import { openEmbeddedChroma } from '../helpers/open-chroma.js';

test('sync options: unknown keys and values are TypeErrors with codes; duplicate ids are ChromaInvalidArgumentError', async (t) => {
  const chroma = await openEmbeddedChroma(t, 'sync-options-chroma');
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  const sync = new ChromaDoltSync(chroma, store);
  const collection = await chroma.createCollection({ name: 'notes' });
  const docs = [{ docId: 'a', content: 'x' }];
  await t.throwsAsync(sync.writeDocuments('notes', docs, { timeOutMs: 1 } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE', message: /timeOutMs/ });
  await t.throwsAsync(sync.writeDocuments('notes', docs, 'fast' as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
  await t.throwsAsync(sync.writeDocuments('notes', docs, { onProgress: 1 } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
  await t.throwsAsync(sync.deleteDocuments('notes', ['a'], { verify: 'content' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(sync.detectLocalChanges('notes', { verify: 'bogus' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(sync.stageLocalChanges('notes', { message: 'm', verfy: 'flags' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(sync.adoptCollection('notes', { timeout: 5 } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  t.is(await collection.count(), 0, 'nothing was written');

  // The embedded session reports chromadb's duplicate-id error as the remote client does: the caller's input.
  await t.throwsAsync(collection.add({ ids: ['b', 'b'], embeddings: [[1, 0], [0, 1]] }), { instanceOf: ChromaInvalidArgumentError, code: 'ERR_CHROMA_INVALID_ARGUMENT' });
  t.is(await collection.count(), 0);
});
