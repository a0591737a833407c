/**
 * What a user gets wrong in versioning operations is refused with a typed error and a stable code, never the
 * engine's raw text, and nothing changes: a pull or merge of an unrelated history, a merge both sides changed a
 * collection's metadata in, a push behind the remote, unknown branches, tags, remotes and remote branches, a
 * remote nothing was pushed to.
 */
import test, { type ExecutionContext } from 'ava';
import { join } from 'node:path';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { Repository } from '../../lib/repository/repository.js';
import { openEmbeddedChroma } from '../helpers/open-chroma.js';
import { tempDir } from '../helpers/temp-dir.js';
import { chromaContents } from './scenario.js';

async function repository(t: ExecutionContext, label: string, dir: string) {
  const chroma = await openEmbeddedChroma(t, `${label}-chroma`);
  const store = await DoltLiteStore.open({ path: join(dir, `${label}.doltlite`) });
  t.teardown(() => store.close());
  const statePath = join(dir, `${label}.json`);
  const repo = await Repository.open({ chroma, store, statePath });
  await chroma.createCollection({ name: 'notes' });
  return { chroma, store, repo, statePath };
}

test('refusals: pull, merge and previewMerge of an unrelated history are UnrelatedHistoriesError before the branch moves', async (t) => {
  const dir = tempDir(t, 'repo-unrelated');
  const remote = `file://${join(dir, 'remote.doltlite')}`;
  const ours = await repository(t, 'ours', dir);
  const theirs = await repository(t, 'theirs', dir);
  await ours.repo.sync.writeDocuments('notes', [{ docId: 'a', content: 'ours' }]);
  const mine = (await ours.repo.commit('ours'))!;
  await theirs.repo.sync.writeDocuments('notes', [{ docId: 'b', content: 'theirs' }]);
  await theirs.repo.commit('theirs');
  await theirs.repo.addRemote('origin', remote);
  await theirs.repo.push('origin');

  await ours.repo.addRemote('origin', remote);
  const unrelated = { code: 'ERR_STORE_UNRELATED_HISTORIES', message: /no common ancestor/ };
  await t.throwsAsync(ours.repo.pull('origin'), unrelated);
  await t.throwsAsync(ours.repo.merge('origin/main'), unrelated);
  await t.throwsAsync(ours.repo.previewMerge('origin/main'), unrelated);
  t.deepEqual(await ours.repo.head(), { branch: 'main', commit: mine });
  t.deepEqual(await chromaContents(ours.chroma, 'notes'), { a: 'ours' });
  t.false(await ours.repo.versioning.merging());
  t.true((await ours.repo.status()).clean);
});

test('refusals: conflicting collection metadata, a push behind the remote, unknown names and remote branches, an empty remote', async (t) => {
  const dir = tempDir(t, 'repo-refusals');
  const { chroma, repo } = await repository(t, 'one', dir);
  await repo.sync.writeDocuments('notes', [{ docId: 'a', content: 'A' }]);
  await repo.commit('A');
  const recreate = async (v: number) => {
    await chroma.deleteCollection('notes');
    await chroma.createCollection({ name: 'notes', metadata: { v } });
    await repo.sync.writeDocuments('notes', [{ docId: 'a', content: 'A' }]);
  };
  await repo.checkout('side', { create: true });
  await recreate(2);
  await repo.commit('side metadata');
  await repo.checkout('main');
  await recreate(3);
  const main = (await repo.commit('main metadata'))!;
  await t.throwsAsync(repo.merge('side'), { code: 'ERR_STORE_MERGE_UNRESOLVABLE', message: /collections/ });
  t.deepEqual(await repo.head(), { branch: 'main', commit: main });
  t.false(await repo.versioning.merging());
  t.is((await chroma.listCollections()).find((c) => c.name === 'notes')?.metadata?.['v'], 3);
  t.true((await repo.status()).clean);

  // A push behind the remote: typed, and the remote keeps its head.
  const url = `file://${join(dir, 'remote.doltlite')}`;
  await repo.addRemote('origin', url);
  await repo.push('origin');
  await repo.reset({ hard: 'HEAD~1' });
  await repo.sync.writeDocuments('notes', [{ docId: 'z', content: 'diverged' }]);
  await repo.commit('diverged');
  await t.throwsAsync(repo.push('origin'), { code: 'ERR_STORE_PUSH_REJECTED', message: /pull them first/ });
  await repo.fetch('origin');
  t.is(await repo.versioning.resolve('origin/main'), main);

  const argument = (message: RegExp) => ({ code: 'ERR_STORE_ARGUMENT', message });
  await t.throwsAsync(repo.deleteBranch('nope'), argument(/unknown branch "nope"/));
  await t.throwsAsync(repo.renameBranch('nope', 'other'), argument(/unknown branch "nope"/));
  await t.throwsAsync(repo.deleteTag('nope'), argument(/unknown tag "nope"/));
  await t.throwsAsync(repo.removeRemote('nope'), argument(/unknown remote "nope"/));
  await t.throwsAsync(repo.fetch('origin', 'nobranch'), argument(/has no branch "nobranch"/));
  await t.throwsAsync(repo.pull('origin', 'nobranch'), argument(/has no branch "nobranch"/));
  await repo.addRemote('empty', `file://${join(dir, 'nothing-here.doltlite')}`);
  await t.throwsAsync(repo.fetch('empty'), argument(/holds no store yet/));
  await t.throwsAsync(repo.pull('empty', 'main'), argument(/holds no store yet/));
  t.deepEqual((await repo.branches()).map((b) => b.name), ['main', 'side']);
  t.true((await repo.status()).clean);
});
