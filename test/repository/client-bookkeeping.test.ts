/**
 * The Chroma client records its embedding function (name, dimension) in a collection's metadata on its own.
 * That bookkeeping is not a versioned change: the working copy stays clean, reset and checkout write nothing.
 */
import test from 'ava';
import { Chroma } from '../../lib/chroma/chroma.js';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { Repository } from '../../lib/repository/repository.js';
import { tempDir } from '../helpers/temp-dir.js';
import { chromaOps } from './scenario.js';

async function open(t: import('ava').ExecutionContext) {
  const chroma = await Chroma.embedded({ path: tempDir(t, 'bookkeeping-chroma'), embeddingFunction: 'hash' });
  t.teardown(() => chroma.close());
  const store = await DoltLiteStore.open({});
  t.teardown(() => store.close());
  const repo = await Repository.open({ chroma, store });
  return { chroma, repo };
}

test('the embedding function the client records is no metadata change; reset and identical checkouts write nothing', async (t) => {
  const { chroma, repo } = await open(t);
  const collection = await chroma.getOrCreateCollection({ name: 'docs' });
  await repo.sync.writeDocuments('docs', [
    { docId: 'a', content: 'alpha' },
    { docId: 'b', content: 'beta' },
  ]);
  await collection.add({ ids: ['direct'], documents: ['embedded by the client'] });
  await repo.sync.stageLocalChanges('docs', { message: 'import' });
  const recorded = (await chroma.listCollections()).find((c) => c.name === 'docs')!.metadata ?? {};
  t.is(recorded['embedding_function'], 'hash', 'the client recorded its embedding function');

  const status = await repo.status();
  t.true(status.clean, JSON.stringify(status.collections));

  const reset = await repo.reset();
  t.is(reset.written, 0);
  t.deepEqual(reset.collectionsCreated, []);
  t.true((await repo.status()).clean, 'clean after reset');

  await repo.checkout('same', { create: true });
  const before = chromaOps(chroma);
  const back = await repo.checkout('main');
  t.is(back.written, 0);
  t.is(back.removed, 0);
  t.deepEqual(back.collectionsCreated, []);
  t.deepEqual(back.collectionsDeleted, []);
  t.true(chromaOps(chroma) - before < 10, 'no rewrite of the collection');
  t.true((await repo.status()).clean);
});

test('a user metadata key is still a versioned change next to the bookkeeping keys; reset restores it', async (t) => {
  const { chroma, repo } = await open(t);
  await chroma.createCollection({ name: 'tagged', metadata: { topic: 'one' } });
  await repo.sync.writeDocuments('tagged', [{ docId: 'a', content: 'alpha' }]);
  await repo.commit('first');
  t.true((await repo.status()).clean);

  await chroma.deleteCollection('tagged');
  await chroma.createCollection({ name: 'tagged', metadata: { topic: 'two' } });
  await repo.sync.writeDocuments('tagged', [{ docId: 'a', content: 'alpha' }]);
  const changed = (await repo.status()).collections.find((c) => c.name === 'tagged')!;
  t.is(changed.state, 'metadata');
  t.deepEqual(changed.metadata, { topic: 'two' }, 'the versioned part only');
  await repo.reset();
  const restored = (await chroma.listCollections()).find((c) => c.name === 'tagged')!.metadata ?? {};
  t.is(restored['topic'], 'one');
  t.true((await repo.status()).clean);
});
