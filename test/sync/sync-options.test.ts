/**
 * The sync calls' options are closed and checked before anything is read or written: a misspelt `timeOutMs`
 * is a typed error, not a call without its deadline; an unknown `verify` level has a stable code.
 */
import test, { type ExecutionContext } from 'ava';
import { ChromaInvalidArgumentError } from '../../lib/chroma/errors.js';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { ChromaDoltSync } from '../../lib/sync/chroma-dolt-sync.js';
import { openEmbeddedChroma } from '../helpers/open-chroma.js';

/** An embedded Chroma and an in-memory store (closed after the test), and a sync over them. */
async function openSync(t: ExecutionContext, label: string, options?: ConstructorParameters<typeof ChromaDoltSync>[2]) {
  const chroma = await openEmbeddedChroma(t, label);
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  return { chroma, store, sync: new ChromaDoltSync(chroma, store, options) };
}

test('sync options: unknown keys and values are TypeErrors with codes; duplicate ids are ChromaInvalidArgumentError', async (t) => {
  const { chroma, store, sync } = await openSync(t, 'sync-options-chroma');
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

test('sync: the constructor checks its arguments, and every call its collection name, before anything is read', async (t) => {
  const chroma = await openEmbeddedChroma(t, 'sync-ctor-chroma');
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  for (const options of [{ batchSize: 'abc' }, { batchSize: null }]) {
    t.throws(() => new ChromaDoltSync(chroma, store, options as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' }, JSON.stringify(options));
  }
  for (const batchSize of [0, -5, 2.5, Number.NaN]) {
    t.throws(() => new ChromaDoltSync(chroma, store, { batchSize }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE', message: /batchSize/ });
  }
  t.throws(() => new ChromaDoltSync(chroma, store, { batchsize: 10 } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE', message: /batchsize/ });
  t.throws(() => new ChromaDoltSync(chroma, store, 'x' as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => new ChromaDoltSync(undefined as never, store), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /chroma/ });
  t.throws(() => new ChromaDoltSync(chroma, null as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /store/ });
  t.notThrows(() => new ChromaDoltSync(chroma, store, { batchSize: Infinity }));

  const sync = new ChromaDoltSync(chroma, store);
  for (const name of [null, 5, undefined, {}]) {
    const type = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /collection name/ };
    await t.throwsAsync(sync.writeDocuments(name as never, [{ docId: 'a', content: 'x' }]), type);
    await t.throwsAsync(sync.deleteDocuments(name as never, ['a']), type);
    await t.throwsAsync(sync.detectLocalChanges(name as never), type);
    await t.throwsAsync(sync.stageLocalChanges(name as never, { message: 'm' }), type);
    await t.throwsAsync(sync.adoptCollection(name as never), type);
  }
  await t.throwsAsync(sync.stageLocalChanges('', { message: 'm' }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
});

test('sync: metadata keys Chroma refuses are refused whole before anything is written', async (t) => {
  // Small operations: a refusal by Chroma itself would come after the first documents were written.
  const { chroma, store, sync } = await openSync(t, 'sync-keys-chroma', { batchSize: 2 });
  const collection = await chroma.createCollection({ name: 'keys' });
  const good = Array.from({ length: 6 }, (_, i) => ({ docId: `d${i}`, content: `text ${i}`, metadata: { 'a$': i, 'b#': true, 'chroma:x': 'ok' } }));
  for (const key of ['', '$and', '$', '#document', '#', 'chroma:document']) {
    const docs = [...good, { docId: 'bad', content: 'x', metadata: { [key]: 1 } }];
    await t.throwsAsync(sync.writeDocuments('keys', docs), { code: 'ERR_STORE_INVALID_CHANGE', message: /document 6: metadata keys/ }, JSON.stringify(key));
  }
  t.is(await collection.count(), 0, 'nothing was written');
  // The keys Chroma takes are written, detected and staged.
  await sync.writeDocuments('keys', good);
  t.is((await sync.stageLocalChanges('keys', { message: 'keys' })).added.length, 6);
  t.deepEqual((await sync.detectLocalChanges('keys')).modified, []);
});

test('two ChromaDoltSync over one Chroma client take turns per collection: concurrent stages make one commit, not two', async (t) => {
  const chroma = await openEmbeddedChroma(t, 'sync-two-instances');
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  const [first, second] = [new ChromaDoltSync(chroma, store), new ChromaDoltSync(chroma, store)];
  await chroma.createCollection({ name: 'notes' });
  await first.writeDocuments('notes', Array.from({ length: 20 }, (_, i) => ({ docId: `d${i}`, content: `text ${i}` })));
  const before = (await store.log(100)).length;
  const results = await Promise.all([first.stageLocalChanges('notes', { message: 'a' }), second.stageLocalChanges('notes', { message: 'b' })]);
  // Before, both detected the same 20 additions while the other ran, and both committed them.
  t.deepEqual(results.map((r) => r.added.length).sort(), [0, 20]);
  t.is(results.filter((r) => r.commit !== null).length, 1);
  t.is((await store.log(100)).length, before + 1);
  t.deepEqual((await second.detectLocalChanges('notes')).added, []);
});

test('deleteDocuments with an id given twice deletes it once (Chroma refused the repeated ids, naming one)', async (t) => {
  const { chroma, store, sync } = await openSync(t, 'sync-delete-twice');
  const collection = await chroma.createCollection({ name: 'notes' });
  await sync.writeDocuments('notes', [{ docId: 'a', content: 'x' }, { docId: 'b', content: 'y'.repeat(2_000) }, { docId: 'c', content: 'z' }]);
  await sync.deleteDocuments('notes', ['a', 'b', 'a', 'b', 'missing', 'missing']);
  t.deepEqual((await collection.get({})).ids, ['c']);
});

test('sync: a document with a misspelt key (metdata, text) is refused whole, not written without its metadata', async (t) => {
  const { chroma, store, sync } = await openSync(t, 'sync-doc-keys');
  const collection = await chroma.createCollection({ name: 'doc-keys' });
  const good = { docId: 'a', content: 'text', metadata: { topic: 'x' } };
  for (const bad of [{ docId: 'b', content: 'text', metdata: { topic: 'y' } }, { docId: 'b', content: 'text', text: 'more' }]) {
    const error = await t.throwsAsync(sync.writeDocuments('doc-keys', [good, bad as never]), { code: 'ERR_STORE_INVALID_CHANGE', message: /document 1: unknown key/ });
    t.is((error as unknown as { details: { index: number } }).details.index, 1);
  }
  t.is(await collection.count(), 0, 'nothing was written');
  await sync.writeDocuments('doc-keys', [good]);
  t.is((await collection.get({ ids: ['a'] })).metadatas?.[0]?.['topic'], 'x');
});
