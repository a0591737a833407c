/**
 * Repository.clone fills a new working copy and nothing else: Chroma holding records, or a store branch holding
 * commits the remote lacks, is refused before anything is written (no remote left behind, so a retry can run);
 * a store already cloned from the remote is fine; DoltLiteStore.clone never opens an existing file in place of
 * a clone.
 */
import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { versioningFor } from '../../lib/dolt/versioning-for.js';
import { Repository } from '../../lib/repository/repository.js';
import { openEmbeddedChroma } from '../helpers/open-chroma.js';
import { tempDir } from '../helpers/temp-dir.js';
import { chromaContents } from './scenario.js';

/** A store with one commit (document `a` of `notes` holding `content`) pushed to `url`; returns the commit. */
async function pushRemote(t: ExecutionContext, label: string, url: string, content: string): Promise<string> {
  const chroma = await openEmbeddedChroma(t, label);
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  const source = await Repository.open({ chroma, store });
  await chroma.createCollection({ name: 'notes' });
  await source.sync.writeDocuments('notes', [{ docId: 'a', content }]);
  const head = (await source.commit('remote'))!;
  await source.addRemote('origin', url);
  await source.push('origin');
  return head;
}

test('clone: refuses a Chroma holding records and a store with history of its own, before writing; clones once they are empty', async (t) => {
  const dir = tempDir(t, 'repo-clone');
  const url = `file://${join(dir, 'remote.doltlite')}`;
  const remoteHead = await pushRemote(t, 'clone-source', url, 'from the remote');

  // Chroma holds a record in the collection the remote has, and one elsewhere: refused, nothing written.
  const chroma = await openEmbeddedChroma(t, 'clone-target');
  const store = await DoltLiteStore.open({ path: join(dir, 'target.doltlite') });
  t.teardown(() => store.close());
  await chroma.createCollection({ name: 'notes' });
  await chroma.add('notes', { ids: ['local'], documents: ['local record'] });
  await chroma.createCollection({ name: 'elsewhere' });
  await chroma.add('elsewhere', { ids: ['x'], documents: ['another record'] });
  const refused = await t.throwsAsync(Repository.clone({ chroma, store, url }), { code: 'ERR_CLONE_TARGET_NOT_EMPTY', message: /Chroma already holds records/ });
  t.deepEqual((refused as unknown as { names: string[] }).names.sort(), ['elsewhere', 'notes']);
  t.deepEqual(await chromaContents(chroma, 'notes'), { local: 'local record' });
  t.deepEqual(await store.log().then((l) => l.length), 2, 'the store is as new');
  t.deepEqual(await versioningFor(store).remotes(), [], 'no remote was added');

  // Emptied (an empty collection is fine), the same clone works.
  await chroma.delete('notes', { ids: ['local'] });
  await chroma.deleteCollection('elsewhere');
  const repo = await Repository.clone({ chroma, store, url });
  t.deepEqual(await chromaContents(chroma, 'notes'), { a: 'from the remote' });
  t.deepEqual(await repo.head(), { branch: 'main', commit: remoteHead });
  t.true((await repo.status()).clean);

  // A store with commits of its own on the branch: refused, its history kept, and no remote left behind.
  const ownChroma = await openEmbeddedChroma(t, 'clone-own');
  const ownStore = await DoltLiteStore.open();
  t.teardown(() => ownStore.close());
  const own = await Repository.open({ chroma: ownChroma, store: ownStore });
  await ownChroma.createCollection({ name: 'mine' });
  await own.sync.writeDocuments('mine', [{ docId: 'm', content: 'my history' }]);
  const mine = (await own.commit('mine'))!;
  await ownChroma.deleteCollection('mine');
  const emptyChroma = await openEmbeddedChroma(t, 'clone-own-empty');
  await t.throwsAsync(Repository.clone({ chroma: emptyChroma, store: ownStore, url }), { code: 'ERR_CLONE_TARGET_NOT_EMPTY', message: /branch "main" of the store/ });
  t.is(await versioningFor(ownStore).resolve('main'), mine);
  t.deepEqual(await versioningFor(ownStore).remotes(), []);
  t.deepEqual(await emptyChroma.listCollections(), []);

  // A branch the remote does not have: typed, and the remote is removed again.
  const otherChroma = await openEmbeddedChroma(t, 'clone-branch');
  const otherStore = await DoltLiteStore.open();
  t.teardown(() => otherStore.close());
  await t.throwsAsync(Repository.clone({ chroma: otherChroma, store: otherStore, url, branch: 'nope' }), { code: 'ERR_STORE_ARGUMENT', message: /no branch "nope"/ });
  t.deepEqual(await versioningFor(otherStore).remotes(), []);
});

test('clone: a store cloned from the remote already clones again; DoltLiteStore.clone refuses an existing path untouched', async (t) => {
  const dir = tempDir(t, 'repo-clone-store');
  const url = `file://${join(dir, 'remote.doltlite')}`;
  await pushRemote(t, 'clone2-source', url, 'cloned');

  const existing = join(dir, 'existing.doltlite');
  const first = await DoltLiteStore.open({ path: existing });
  await first.close();
  const bytes = readFileSync(existing);
  await t.throwsAsync(DoltLiteStore.clone(url, { path: existing }), { code: 'ERR_STORE_EXISTS' });
  t.deepEqual(readFileSync(existing), bytes);

  const store = await DoltLiteStore.clone(url, { path: join(dir, 'cloned.doltlite') });
  t.teardown(() => store.close());
  const chroma = await openEmbeddedChroma(t, 'clone2-target');
  const repo = await Repository.clone({ chroma, store, url, remote: 'upstream' });
  t.deepEqual(await chromaContents(chroma, 'notes'), { a: 'cloned' });
  t.true((await repo.status()).clean);
});
