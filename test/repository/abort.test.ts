/**
 * Cancelling versioning operations with an AbortSignal, synchronised through their progress callbacks (no
 * timing): an already-aborted signal rejects before anything happens; an abort before the point of no return
 * (the journal record made just before Chroma is first written) puts everything back (branch, store refs,
 * Chroma, no journal) and rejects with AbortError whose cause is the reason; an abort after it is ignored and
 * the operation resolves with Chroma at the target.
 */
import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { versioningFor } from '../../lib/dolt/versioning-for.js';
import { AbortError } from '../../lib/errors.js';
import { Repository, type RepositoryProgress } from '../../lib/repository/repository.js';
import { openEmbeddedChroma } from '../helpers/open-chroma.js';
import { tempDir } from '../helpers/temp-dir.js';
import { chromaContents } from './scenario.js';

/** Aborts with `reason` when the operation reports `phase` (the first time); records every phase seen. */
function abortAt(phase: RepositoryProgress['phase']) {
  const controller = new AbortController();
  const reason = new Error(`stop at ${phase}`);
  const seen: string[] = [];
  const options = {
    signal: controller.signal,
    onProgress: (p: RepositoryProgress) => {
      seen.push(p.phase);
      if (p.phase === phase) controller.abort(reason);
    },
  };
  return { reason, seen, signal: controller.signal, options };
}

async function setup(t: ExecutionContext, label: string) {
  const dir = tempDir(t, label);
  const chroma = await openEmbeddedChroma(t, `${label}-chroma`);
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  const statePath = join(dir, 'repository.json');
  const repo = await Repository.open({ chroma, store, statePath });
  for (const name of ['first', 'second']) await chroma.createCollection({ name });
  for (const name of ['first', 'second']) await repo.sync.writeDocuments(name, [{ docId: 'a', content: `${name} on main` }]);
  const main = (await repo.commit('main'))!;
  await repo.checkout('feature', { create: true });
  for (const name of ['first', 'second']) {
    await repo.sync.writeDocuments(name, [{ docId: 'a', content: `${name} on feature` }, { docId: 'b', content: 'new on feature' }]);
  }
  const feature = (await repo.commit('feature'))!;
  await repo.checkout('main');
  const journal = () => JSON.parse(readFileSync(statePath, 'utf8')).journal;
  const contents = async () => ({ first: await chromaContents(chroma, 'first'), second: await chromaContents(chroma, 'second') });
  const onMain = { first: { a: 'first on main' }, second: { a: 'second on main' } };
  const onFeature = {
    first: { a: 'first on feature', b: 'new on feature' },
    second: { a: 'second on feature', b: 'new on feature' },
  };
  return { dir, chroma, store, repo, main, feature, journal, contents, onMain, onFeature };
}

test('repository abort: an already-aborted signal rejects every operation before anything happens; a non-signal is a TypeError', async (t) => {
  const { repo, main, journal, contents, onMain, chroma, dir } = await setup(t, 'repo-abort-early');
  const reason = new Error('shutting down');
  const signal = AbortSignal.abort(reason);
  const remote = `file://${join(dir, 'remote.doltlite')}`;
  await repo.addRemote('origin', remote);
  const calls = [
    repo.checkout('feature', { signal }),
    repo.checkout('fresh', { create: true, signal }),
    repo.merge('feature', { signal }),
    repo.reset({ hard: 'feature', signal }),
    repo.revert('HEAD', { signal }),
    repo.pull('origin', 'main', { signal }),
    repo.push('origin', 'main', { signal }),
    repo.fetch('origin', undefined, { signal }),
  ];
  for (const call of calls) {
    const error = await t.throwsAsync(call, { instanceOf: AbortError, code: 'ERR_SESSION_ABORTED' });
    t.is(error!.cause, reason);
  }
  t.deepEqual(await repo.head(), { branch: 'main', commit: main });
  t.deepEqual(await contents(), onMain);
  t.false((await repo.branches()).some((b) => b.name === 'fresh'));
  t.is(journal(), null);
  await t.throwsAsync(repo.fetch('origin'), { code: 'ERR_STORE_ARGUMENT', message: /holds no store yet/ }, 'the push did not run');

  const cloneChroma = await openEmbeddedChroma(t, 'repo-abort-early-clone');
  const cloneStore = await DoltLiteStore.open();
  t.teardown(() => cloneStore.close());
  await t.throwsAsync(Repository.clone({ chroma: cloneChroma, store: cloneStore, url: remote, signal }), { instanceOf: AbortError });
  t.deepEqual(await versioningFor(cloneStore).remotes(), []);
  for (const bad of [{}, 'abort', true]) {
    await t.throwsAsync(repo.checkout('feature', { signal: bad } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /signal/ });
  }
  await t.throwsAsync(repo.merge('feature', { onProgress: 1 } as never), { instanceOf: TypeError, message: /onProgress/ });
  t.true((await chroma.listCollections()).length === 2);
});

test('repository abort: checkout aborted before the point of no return puts everything back; after it, it completes', async (t) => {
  const { repo, main, feature, journal, contents, onMain, onFeature } = await setup(t, 'repo-abort-checkout');
  for (const phase of ['checked', 'planned'] as const) {
    const abort = abortAt(phase);
    const error = await t.throwsAsync(repo.checkout('feature', abort.options), { instanceOf: AbortError, message: /Repository\.checkout/ });
    t.is(error!.cause, abort.reason);
    t.deepEqual(await repo.head(), { branch: 'main', commit: main }, phase);
    t.deepEqual(await contents(), onMain, phase);
    t.is(journal(), null, phase);
  }
  // A branch the checkout created, and a detached checkout's own branch, go again.
  await t.throwsAsync(repo.checkout('fresh', { create: true, from: 'feature', ...abortAt('planned').options }), { instanceOf: AbortError });
  await t.throwsAsync(repo.checkout(feature, abortAt('planned').options), { instanceOf: AbortError });
  t.deepEqual((await versioningFor(repo.store).branches()).map((b) => b.name), ['feature', 'main']);

  // Local changes committed first: the commit is undone and they are uncommitted again, as they were.
  await repo.sync.writeDocuments('first', [{ docId: 'local', content: 'uncommitted' }]);
  const committing = abortAt('moved');
  await t.throwsAsync(repo.checkout('feature', { ifUncommitted: 'commit', ...committing.options }), { instanceOf: AbortError });
  t.deepEqual(committing.seen, ['checked', 'moved']);
  t.deepEqual(await repo.head(), { branch: 'main', commit: main });
  t.deepEqual((await repo.status()).collections.find((c) => c.name === 'first')?.added, ['local']);
  await repo.reset();
  t.deepEqual(await contents(), onMain);

  // Past the point of no return the abort is ignored: the checkout resolves with Chroma at the target.
  const late = abortAt('refreshing');
  const result = await repo.checkout('feature', late.options);
  t.true(late.signal.aborted);
  t.deepEqual(late.seen, ['checked', 'planned', 'refreshing', 'refreshing']);
  t.deepEqual(result.head, { branch: 'feature', commit: feature });
  t.deepEqual(await contents(), onFeature);
  t.is(journal(), null);
  t.true((await repo.status()).clean);
});

test('repository abort: merge, revert, pull and reset aborted after the store moved are undone; clone aborted leaves no remote', async (t) => {
  const { repo, main, feature, journal, contents, onMain, onFeature, dir } = await setup(t, 'repo-abort-merge');
  const merging = abortAt('moved');
  await t.throwsAsync(repo.merge('feature', merging.options), { instanceOf: AbortError, message: /Repository\.merge/ });
  t.deepEqual(await repo.head(), { branch: 'main', commit: main });
  t.deepEqual(await contents(), onMain);
  t.is(journal(), null);
  t.false(await repo.versioning.merging());

  await t.throwsAsync(repo.reset({ hard: 'feature', ...abortAt('planned').options }), { instanceOf: AbortError });
  t.deepEqual(await repo.head(), { branch: 'main', commit: main });
  t.deepEqual(await contents(), onMain);

  // A remote ahead of main: the pull's fast-forward is put back.
  const url = `file://${join(dir, 'remote.doltlite')}`;
  await repo.addRemote('origin', url);
  await repo.push('origin', 'feature');
  await t.throwsAsync(repo.pull('origin', 'feature', abortAt('planned').options), { instanceOf: AbortError, message: /Repository\.pull/ });
  t.deepEqual(await repo.head(), { branch: 'main', commit: main });
  t.deepEqual(await contents(), onMain);
  t.is(journal(), null);

  const merged = await repo.merge('feature', abortAt('refreshing').options);
  t.is(merged.commit, feature);
  t.deepEqual(await contents(), onFeature);
  await t.throwsAsync(repo.revert('HEAD', abortAt('moved').options), { instanceOf: AbortError, message: /Repository\.revert/ });
  t.deepEqual(await repo.head(), { branch: 'main', commit: feature });
  t.deepEqual(await contents(), onFeature);
  t.is(journal(), null);

  // A clone aborted before Chroma is written: no remote, no branch switch, Chroma empty; then it clones.
  const cloneChroma = await openEmbeddedChroma(t, 'repo-abort-clone');
  const cloneStore = await DoltLiteStore.open();
  t.teardown(() => cloneStore.close());
  await t.throwsAsync(Repository.clone({ chroma: cloneChroma, store: cloneStore, url, branch: 'feature', ...abortAt('planned').options }), { instanceOf: AbortError });
  t.deepEqual(await versioningFor(cloneStore).remotes(), []);
  t.deepEqual((await versioningFor(cloneStore).branches()).map((b) => b.name), ['main']);
  t.deepEqual(await cloneChroma.listCollections(), []);
  const cloned = await Repository.clone({ chroma: cloneChroma, store: cloneStore, url, branch: 'feature' });
  t.deepEqual(await cloned.head(), { branch: 'feature', commit: feature });
});

test('repository abort: commit aborted before the store commit commits nothing and keeps the changes; status rejects an aborted signal', async (t) => {
  const { repo, main } = await setup(t, 'repo-abort-commit');
  await repo.sync.writeDocuments('first', [{ docId: 'local', content: 'uncommitted' }]);
  const reason = new Error('stop');
  await t.throwsAsync(repo.status({ signal: AbortSignal.abort(reason) }), { instanceOf: AbortError, code: 'ERR_SESSION_ABORTED' });
  const early = await t.throwsAsync(repo.commit('x', { signal: AbortSignal.abort(reason) }), { instanceOf: AbortError });
  t.is(early!.cause, reason);

  const checked = abortAt('checked');
  await t.throwsAsync(repo.commit('aborted', checked.options), { instanceOf: AbortError, message: /Repository\.commit/ });
  t.deepEqual(await repo.head(), { branch: 'main', commit: main }, 'nothing committed');
  t.deepEqual((await repo.status()).collections.find((c) => c.name === 'first')?.added, ['local'], 'the change is still uncommitted');

  // An abort that comes once the detection is reported, before the store commit, still cancels it.
  const controller = new AbortController();
  await t.throwsAsync(repo.commit('late', { signal: controller.signal, onProgress: () => queueMicrotask(() => controller.abort()) }), { instanceOf: AbortError });
  t.deepEqual(await repo.head(), { branch: 'main', commit: main });
  const made = await repo.commit('kept', { signal: new AbortController().signal });
  t.truthy(made);
  t.not(made, main);
  t.true((await repo.status()).clean);
  await t.throwsAsync(repo.commit('bad', { signal: 'x' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
});

test('repository abort: resolve and abortMerge refuse an aborted signal with the merge left open; an abort past the first settled conflict is ignored', async (t) => {
  const { repo, chroma, main } = await setup(t, 'repo-abort-resolve');
  // Both branches edit `a` in both collections: a merge with two conflicts.
  for (const name of ['first', 'second']) await repo.sync.writeDocuments(name, [{ docId: 'a', content: `${name} edited on main` }]);
  const edited = (await repo.commit('main edits'))!;
  t.not(edited, main);
  const merged = await repo.merge('feature');
  t.is(merged.status, 'conflicts');
  t.is(merged.conflicts.length, 2);

  const reason = new Error('stop');
  const early = await t.throwsAsync(repo.resolve('a', 'theirs', { collection: 'first', signal: AbortSignal.abort(reason) }), { instanceOf: AbortError });
  t.is(early!.cause, reason);
  await t.throwsAsync(repo.abortMerge({ signal: AbortSignal.abort(reason) }), { instanceOf: AbortError, message: /Repository\.abortMerge/ });
  t.true(await repo.versioning.merging(), 'the merge is still open');
  t.is((await repo.conflicts()).length, 2, 'no conflict was settled');
  await t.throwsAsync(repo.abortMerge({ signal: 'x' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
  await t.throwsAsync(repo.resolve('a', 'ours', { collection: 'first', onProgress: 5 } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });

  t.is((await repo.resolve('a', 'theirs', { collection: 'first' })).remaining.length, 1);
  // The last conflict commits the merge and refreshes Chroma: an abort while Chroma is planned is past the point
  // of no return (the conflict is settled), so the merge completes.
  const late = abortAt('planned');
  const done = await repo.resolve('a', 'ours', { collection: 'second', ...late.options });
  t.true(late.signal.aborted, 'the abort came');
  t.truthy(done.commit);
  t.deepEqual(late.seen.filter((p) => p === 'moved' || p === 'planned'), ['moved', 'planned']);
  t.false(await repo.versioning.merging());
  t.is((await chroma.get('first', { ids: ['a'] })).documents![0], 'first on feature');
  t.is((await chroma.get('second', { ids: ['a'] })).documents![0], 'second edited on main');
  t.true((await repo.status()).clean);
});
