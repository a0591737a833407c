/** The versioning loop's scenarios, run with each Chroma session over DoltLite. */
import test, { type ExecutionContext } from 'ava';
import { join } from 'node:path';
import type { Chroma } from '../../lib/chroma/chroma.js';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { Repository } from '../../lib/repository/repository.js';
import { CommitNotCheckoutableError } from '../../lib/repository/errors.js';
import { contentHash } from '../../lib/sync/hashing.js';
import { tempDir } from '../helpers/temp-dir.js';
import { repositoryMetadataScenarios } from './metadata-scenario.js';

export type OpenChroma = (t: ExecutionContext) => Promise<Chroma>;

/** Chroma operations the executor completed so far (every kind). */
export function chromaOps(chroma: Chroma): number {
  return Object.values(chroma.executor.stats().ops).reduce((sum, op) => sum + op.ok + op.error, 0);
}

/** The documents Chroma holds in a collection, as docId -> content, read back through the sync layer's detection shape. */
export async function chromaContents(chroma: Chroma, collection: string): Promise<Record<string, string>> {
  const page = await chroma.get(collection, { include: ['documents', 'metadatas'], limit: 100_000 });
  const parts = new Map<string, Array<{ index: number; text: string }>>();
  page.ids.forEach((id, i) => {
    const meta = page.metadatas?.[i] ?? {};
    const source = typeof meta['source_id'] === 'string' ? meta['source_id'] : id;
    const list = parts.get(source) ?? [];
    list.push({ index: Number(meta['chunk_index'] ?? 0), text: page.documents?.[i] ?? '' });
    parts.set(source, list);
  });
  const out: Record<string, string> = {};
  for (const [docId, list] of [...parts].sort(([a], [b]) => a.localeCompare(b))) {
    list.sort((a, b) => a.index - b.index);
    out[docId] = list.map((p, i) => (i === 0 ? p.text : Array.from(p.text).slice(50).join(''))).join('');
  }
  return out;
}

export async function openRepository(
  t: ExecutionContext,
  openChroma: OpenChroma,
  options: { storePath?: string; statePath?: string; verify?: 'content' | 'flags' } = {},
) {
  const chroma = await openChroma(t);
  const store = await DoltLiteStore.open({ path: options.storePath });
  t.teardown(() => store.close());
  const repo = await Repository.open({ chroma, store, statePath: options.statePath, verify: options.verify });
  return { chroma, store, repo };
}

const long = (seed: string) => Array.from({ length: 90 }, (_, i) => `${seed} line ${i}.`).join(' ');

export function repositoryScenarios(kind: string, openChroma: OpenChroma): void {
  repositoryMetadataScenarios(kind, openChroma);

  test(`${kind}: records another tool named like chunk ids, once committed, check out again (and the repository reopens)`, async (t) => {
    const statePath = join(tempDir(t, 'repo-foreign-state'), 'repository.json');
    const { chroma, repo, store } = await openRepository(t, openChroma, { statePath });
    await chroma.createCollection({ name: 'notes' });
    await repo.sync.writeDocuments('notes', [{ docId: 'a', content: 'alpha' }]);
    await chroma.add('notes', { ids: ['x_chunk_1', 'y_chunk_0@ab'], documents: ['foreign one', 'foreign two'] });
    const withForeign = await repo.commit('with foreign records');
    await repo.checkout('cleaned', { create: true });
    await chroma.delete('notes', { ids: ['x_chunk_1', 'y_chunk_0@ab'] });
    await repo.commit('without them');
    await repo.checkout('main');
    t.deepEqual(await chromaContents(chroma, 'notes'), { a: 'alpha', x_chunk_1: 'foreign one', 'y_chunk_0@ab': 'foreign two' });
    t.is((await repo.head()).commit, withForeign!);
    t.true((await repo.status()).clean);
    const reopened = await Repository.open({ chroma, store, statePath });
    t.true((await reopened.status({ verify: 'flags' })).clean);
  });

  test(`${kind}: a commit made through the store with what Chroma cannot hold is refused by checkout, merge and reset before anything moves, and the repository reopens`, async (t) => {
    const statePath = join(tempDir(t, 'repo-unholdable-state'), 'repository.json');
    const { chroma, repo, store } = await openRepository(t, openChroma, { statePath });
    await chroma.createCollection({ name: 'notes' });
    await repo.sync.writeDocuments('notes', [{ docId: 'a', content: 'alpha', metadata: { tag: 'x' } }]);
    const good = (await repo.commit('good'))!;
    const cases: Array<{ collection: string; docId: string | null; metadata: Record<string, unknown> }> = [
      { collection: 'notes', docId: 'object', metadata: { nested: { a: 1 } } },
      { collection: 'notes', docId: 'list', metadata: { tags: ['a', 'b'] } },
      { collection: 'notes', docId: 'key', metadata: { '#k': 1 } },
      { collection: 'ab', docId: null, metadata: {} }, // a collection name Chroma refuses (too short)
    ];
    for (const [i, bad] of cases.entries()) {
      // Another branch gets the commit through the store's own API, then the working copy goes back to main.
      const branch = `bad-${i}`;
      await repo.checkout(branch, { create: true });
      if (bad.docId === null) await store.ensureCollection(bad.collection);
      const docId = bad.docId ?? 'doc';
      await store.commitChanges({ collection: bad.collection, upserts: [{ docId, content: 'held by the store only', contentHash: contentHash('held by the store only'), metadata: bad.metadata }], deletes: [], message: `bad ${i}` });
      await repo.checkout('main', { ifUncommitted: 'discard' });
      const before = await chromaContents(chroma, 'notes');
      const refusals = [
        ['checkout', () => repo.checkout(branch)],
        ['checkout a new branch there', () => repo.checkout(`${branch}-copy`, { create: true, from: branch })],
        ['merge', () => repo.merge(branch)],
        ['reset', () => repo.reset({ hard: branch })],
      ] as const;
      for (const [what, attempt] of refusals) {
        const error = await t.throwsAsync(attempt(), { instanceOf: CommitNotCheckoutableError, code: 'ERR_COMMIT_NOT_CHECKOUTABLE' }, `${i} ${what}`);
        t.like(error, { collection: bad.collection, docId: bad.docId }, `${i} ${what}`);
        t.deepEqual(await repo.head(), { branch: 'main', commit: good }, `${i} ${what}: the branch did not move`);
        t.deepEqual(await chromaContents(chroma, 'notes'), before, `${i} ${what}: Chroma unchanged`);
        t.deepEqual((await chroma.listCollections()).map((c) => c.name).sort(), ['notes'], `${i} ${what}`);
        t.true((await repo.status()).clean, `${i} ${what}: clean`);
      }
      t.false((await repo.branches()).some((b) => b.name === `${branch}-copy`), 'a refused checkout leaves no branch behind');
      // Nothing is left for the next open to retry.
      const reopened = await Repository.open({ chroma, store, statePath });
      t.deepEqual(await reopened.head(), { branch: 'main', commit: good });
    }
  });

  test(`${kind}: branch, edit, commit; checkout main shows main's documents; checkout back shows the edit`, async (t) => {
    const { chroma, repo } = await openRepository(t, openChroma);
    await chroma.createCollection({ name: 'notes' });
    await repo.sync.writeDocuments('notes', [
      { docId: 'a', content: 'alpha' },
      { docId: 'b', content: 'beta', metadata: { tag: 'x' } },
      { docId: 'long', content: long('base') },
    ]);
    const first = await repo.commit('first');
    t.truthy(first);
    t.true((await repo.status()).clean);

    await repo.checkout('feature', { create: true });
    t.is((await repo.head()).branch, 'feature');
    await repo.sync.writeDocuments('notes', [{ docId: 'a', content: 'alpha on feature' }, { docId: 'f', content: 'only on feature' }]);
    await repo.sync.deleteDocuments('notes', ['b']);
    await repo.sync.writeDocuments('notes', [{ docId: 'long', content: long('feature') }]);
    const featureCommit = await repo.commit('feature edits');
    t.truthy(featureCommit);

    const toMain = await repo.checkout('main');
    t.is(toMain.head.branch, 'main');
    t.deepEqual(await chromaContents(chroma, 'notes'), { a: 'alpha', b: 'beta', long: long('base') });
    t.is(toMain.written, 3, 'a, b and long rewritten');
    t.is(toMain.removed, 1, 'f removed');
    t.true((await repo.status()).clean, 'nothing to commit after a checkout');
    const meta = await chroma.get('notes', { ids: ['b'] });
    t.is(meta.metadatas![0]!['tag'], 'x', 'metadata restored');

    await repo.checkout('feature');
    t.deepEqual(await chromaContents(chroma, 'notes'), { a: 'alpha on feature', f: 'only on feature', long: long('feature') });
    t.true((await repo.status()).clean);
    const branches = await repo.branches();
    t.deepEqual(branches.map((b) => [b.name, b.current]), [['feature', true], ['main', false]]);
    t.is(branches.find((b) => b.name === 'feature')!.head, featureCommit!);
  });

  test(`${kind}: a checkout writes only what differs: ${'ceil(changed chunks / maxBatchSize)'} + a constant Chroma operations`, async (t) => {
    const { chroma, repo } = await openRepository(t, openChroma);
    await chroma.createCollection({ name: 'many' });
    const docs = Array.from({ length: 1_000 }, (_, i) => ({ docId: `d${i}`, content: `document ${i}` }));
    await repo.sync.writeDocuments('many', docs);
    await repo.commit('1,000 documents');
    await repo.checkout('edit', { create: true });
    await repo.sync.writeDocuments('many', Array.from({ length: 10 }, (_, i) => ({ docId: `d${i * 7}`, content: `edited ${i}` })));
    await repo.commit('10 edits');
    const before = chromaOps(chroma);
    const result = await repo.checkout('main');
    const used = chromaOps(chroma) - before;
    t.is(result.written, 10);
    t.is(result.removed, 0);
    // Detect pages, and the request past the last one (page scans are pipelined).
    const detectPages = Math.ceil(1_000 / chroma.maxBatchSize) + 1;
    // listCollections twice (status, refresh) + detect pages + one delete and one add (the write) and one flag
    // update per batch of changed chunks.
    t.true(used <= detectPages + 3 * Math.ceil(10 / chroma.maxBatchSize) + 2, `used ${used} Chroma operations`);
    t.is((await chroma.get('many', { ids: ['d7'] })).documents![0], 'document 7');
    t.is(await chroma.count('many'), 1_000);
  });

  test(`${kind}: verify 'flags': a clean working copy is proven in a constant few operations; library edits, deletions and unflagged adds are still found`, async (t) => {
    const { chroma, repo } = await openRepository(t, openChroma, { verify: 'flags' });
    await chroma.createCollection({ name: 'quick' });
    const docs = Array.from({ length: 600 }, (_, i) => ({ docId: `q${i}`, content: i === 0 ? long('multi') : `quick ${i}` }));
    await repo.sync.writeDocuments('quick', docs);
    await repo.commit('600 documents');
    t.true((await repo.status({ verify: 'flags' })).clean);
    await repo.checkout('edit', { create: true });
    await repo.sync.writeDocuments('quick', [{ docId: 'q1', content: 'edited' }]);
    t.false((await repo.status({ verify: 'flags' })).clean, 'a flagged chunk');
    await repo.commit('edit q1');
    const before = chromaOps(chroma);
    const result = await repo.checkout('main');
    t.is(result.written, 1);
    // proof: listCollections + count + flagged get; refresh: listCollections + delete + write + flag update
    t.true(chromaOps(chroma) - before <= 8, `used ${chromaOps(chroma) - before} Chroma operations`);
    t.true((await repo.status({ verify: 'flags' })).clean, 'checked-out documents are not local changes');

    await repo.sync.deleteDocuments('quick', ['q5']);
    t.false((await repo.status({ verify: 'flags' })).clean, 'a deletion changes the chunk count');
    await t.throwsAsync(repo.checkout('edit'), { code: 'ERR_UNCOMMITTED_CHANGES' });
    await repo.reset();
    t.true((await repo.status({ verify: 'flags' })).clean);
    await chroma.add('quick', { ids: ['stranger'], documents: ['added with Chroma directly'] });
    t.false((await repo.status({ verify: 'flags' })).clean, 'an unflagged add changes the chunk count');
    t.deepEqual((await repo.status()).collections[0]!.added, ['stranger']);
  });

  test(`${kind}: uncommitted changes: abort (typed, listed), commit, discard, carry (and a carry conflict writes nothing)`, async (t) => {
    const { chroma, repo } = await openRepository(t, openChroma);
    await chroma.createCollection({ name: 'work' });
    await repo.sync.writeDocuments('work', [{ docId: 'x', content: 'x0' }, { docId: 'y', content: 'y0' }]);
    await repo.commit('base');
    await repo.checkout('other', { create: true });
    await repo.sync.writeDocuments('work', [{ docId: 'x', content: 'x on other' }]);
    await repo.commit('x on other');
    await repo.checkout('main');

    await repo.sync.writeDocuments('work', [{ docId: 'y', content: 'y local' }]);
    const aborted = await t.throwsAsync(repo.checkout('other'), { code: 'ERR_UNCOMMITTED_CHANGES' });
    t.deepEqual((aborted as unknown as { changes: unknown[] }).changes, [{ collection: 'work', docId: 'y', type: 'modified' }]);
    t.is((await repo.head()).branch, 'main', 'nothing moved');
    t.is((await chroma.get('work', { ids: ['y'] })).documents![0], 'y local');

    // carry: y is not changed by the target, so it comes along
    await repo.checkout('other', { ifUncommitted: 'carry' });
    t.deepEqual(await chromaContents(chroma, 'work'), { x: 'x on other', y: 'y local' });
    t.deepEqual((await repo.status()).collections[0]!.modified, ['y']);
    // carry conflict: x local while the target changes x
    await repo.sync.writeDocuments('work', [{ docId: 'x', content: 'x local' }]);
    await t.throwsAsync(repo.checkout('main', { ifUncommitted: 'carry' }), { code: 'ERR_CARRY_CONFLICT' });
    t.deepEqual(await chromaContents(chroma, 'work'), { x: 'x local', y: 'y local' }, 'nothing written');
    t.is((await repo.head()).branch, 'other');

    // discard: back to main exactly
    await repo.checkout('main', { ifUncommitted: 'discard' });
    t.deepEqual(await chromaContents(chroma, 'work'), { x: 'x0', y: 'y0' });
    t.true((await repo.status()).clean);

    // commit: the local change is committed on main first
    await repo.sync.writeDocuments('work', [{ docId: 'z', content: 'z new' }]);
    await repo.checkout('other', { ifUncommitted: 'commit', message: 'z before leaving' });
    t.false('z' in (await chromaContents(chroma, 'work')));
    t.is((await repo.documentAt('main', 'work', 'z'))?.content, 'z new');
    t.is((await repo.show('main')).info, null, 'main is not in the current branch history');
  });

  test(`${kind}: merge: fast-forward, merge commit, conflicts resolved each way, abort; preview matches and changes nothing`, async (t) => {
    const { chroma, repo } = await openRepository(t, openChroma);
    await chroma.createCollection({ name: 'merges' });
    await repo.sync.writeDocuments('merges', [
      { docId: 'p', content: 'p0' },
      { docId: 'q', content: 'q0' },
      { docId: 'r', content: 'r0' },
    ]);
    await repo.commit('base');
    await repo.createBranch('ff');
    await repo.createBranch('side');
    await repo.checkout('ff');
    await repo.sync.writeDocuments('merges', [{ docId: 'n', content: 'new on ff' }]);
    const ffCommit = await repo.commit('ff');
    await repo.checkout('main');
    const ffPreview = await repo.previewMerge('ff');
    t.is(ffPreview.status, 'fast-forward');
    const ff = await repo.merge('ff');
    t.is(ff.status, 'fast-forward');
    t.is(ff.commit, ffCommit);
    t.is((await chroma.get('merges', { ids: ['n'] })).documents![0], 'new on ff');

    // side: p and q changed, r deleted; main: p and q changed differently
    await repo.checkout('side');
    await repo.sync.writeDocuments('merges', [{ docId: 'p', content: 'p side' }, { docId: 'q', content: 'q side' }, { docId: 's', content: 's side' }]);
    await repo.commit('side edits');
    await repo.checkout('main');
    await repo.sync.writeDocuments('merges', [{ docId: 'p', content: 'p main' }, { docId: 'q', content: 'q main' }]);
    await repo.commit('main edits');

    const logBefore = (await repo.log()).length;
    const preview = await repo.previewMerge('side');
    t.is(preview.status, 'conflicts');
    t.deepEqual(preview.conflicts.map((c) => c.docId).sort(), ['p', 'q']);
    t.deepEqual(preview.changes.map((c) => `${c.type}:${c.docId}`), ['added:s']);
    t.is((await repo.log()).length, logBefore, 'the preview made no commit');
    t.false(await repo.versioning.merging());

    const merged = await repo.merge('side', { message: 'merge side' });
    t.is(merged.status, 'conflicts');
    t.deepEqual(merged.conflicts.map((c) => c.docId).sort(), ['p', 'q']);
    const p = merged.conflicts.find((c) => c.docId === 'p')!;
    t.truthy(p.baseHash && p.oursHash && p.theirsHash);
    t.not(p.oursHash, p.theirsHash);
    t.deepEqual(preview.conflicts.sort((a, b) => a.docId.localeCompare(b.docId)), merged.conflicts.sort((a, b) => a.docId.localeCompare(b.docId)));
    t.is((await chroma.get('merges', { ids: ['p'] })).documents![0], 'p main', 'Chroma unchanged while conflicts are open');
    await t.throwsAsync(repo.commit('no'), { code: 'ERR_MERGE_IN_PROGRESS' });

    await repo.abortMerge();
    t.false(await repo.versioning.merging());
    t.is((await repo.log()).length, logBefore);

    const again = await repo.merge('side', { message: 'merge side' });
    t.is(again.status, 'conflicts');
    const firstResolve = await repo.resolve('p', 'theirs');
    t.is(firstResolve.remaining.length, 1);
    t.is(firstResolve.commit, null);
    const done = await repo.resolve('q', { content: 'q merged by hand' });
    t.truthy(done.commit);
    t.deepEqual(await chromaContents(chroma, 'merges'), { n: 'new on ff', p: 'p side', q: 'q merged by hand', r: 'r0', s: 's side' });
    t.true((await repo.status()).clean);
    const shown = await repo.show(done.commit!);
    t.is(shown.parents.length, 2, 'a merge commit');

    // resolve with ours
    await repo.checkout('side');
    await repo.sync.writeDocuments('merges', [{ docId: 'r', content: 'r side' }]);
    await repo.commit('r side');
    await repo.checkout('main');
    await repo.sync.writeDocuments('merges', [{ docId: 'r', content: 'r main' }]);
    await repo.commit('r main');
    const third = await repo.merge('side');
    t.is(third.status, 'conflicts');
    const kept = await repo.resolve('r', 'ours');
    t.truthy(kept.commit);
    t.is((await chroma.get('merges', { ids: ['r'] })).documents![0], 'r main');
  });

  test(`${kind}: reset discards local changes; hard reset to an earlier commit; revert; tags; show; history reads`, async (t) => {
    const { chroma, repo } = await openRepository(t, openChroma);
    await chroma.createCollection({ name: 'history' });
    await repo.sync.writeDocuments('history', [{ docId: 'a', content: 'a1' }]);
    const c1 = (await repo.commit('one'))!;
    await repo.sync.writeDocuments('history', [{ docId: 'a', content: 'a2' }, { docId: 'b', content: 'b2' }]);
    const c2 = (await repo.commit('two'))!;
    await repo.createTag('v2', { message: 'release two' });
    t.deepEqual((await repo.tags()).map((tag) => [tag.name, tag.commit, tag.message]), [['v2', c2, 'release two']]);

    await repo.sync.writeDocuments('history', [{ docId: 'a', content: 'scribble' }, { docId: 'tmp', content: 'temporary' }]);
    await repo.sync.deleteDocuments('history', ['b']);
    await repo.reset();
    t.deepEqual(await chromaContents(chroma, 'history'), { a: 'a2', b: 'b2' });
    t.true((await repo.status()).clean);

    const shown = await repo.show(c2);
    t.deepEqual(shown.parents, [c1]);
    t.is(shown.info?.message, 'two');
    t.deepEqual(shown.changes.map((c) => `${c.docId}:${c.to?.content}`).sort(), ['a:a2', 'b:b2']);
    t.is((await repo.documentAt(c1, 'history', 'a'))?.content, 'a1');
    t.is(await repo.documentAt(c1, 'history', 'b'), null);
    t.deepEqual((await repo.collectionAt('v2', 'history')).map((d) => d.docId).sort(), ['a', 'b']);

    const reverted = await repo.revert(c2);
    t.truthy(reverted.commit);
    t.deepEqual(await chromaContents(chroma, 'history'), { a: 'a1' });
    t.true((await repo.status()).clean);

    await repo.reset({ hard: c1 });
    t.is((await repo.head()).commit, c1);
    t.deepEqual(await chromaContents(chroma, 'history'), { a: 'a1' });
    await repo.reset({ hard: 'v2' });
    t.deepEqual(await chromaContents(chroma, 'history'), { a: 'a2', b: 'b2' });
    await repo.deleteTag('v2');
    t.deepEqual(await repo.tags(), []);
  });

  test(`${kind}: detached checkout of an old commit: readable, not committable until a branch is created`, async (t) => {
    const { chroma, repo } = await openRepository(t, openChroma);
    await chroma.createCollection({ name: 'detached' });
    await repo.sync.writeDocuments('detached', [{ docId: 'a', content: 'old' }]);
    const old = (await repo.commit('old'))!;
    await repo.sync.writeDocuments('detached', [{ docId: 'a', content: 'new' }]);
    await repo.commit('new');
    const detached = await repo.checkout(old);
    t.is(detached.head.branch, null);
    t.is(detached.head.commit, old);
    t.deepEqual(await chromaContents(chroma, 'detached'), { a: 'old' });
    t.deepEqual((await repo.branches()).map((b) => b.name), ['main'], 'no hidden branch listed');
    await repo.sync.writeDocuments('detached', [{ docId: 'a', content: 'fix on old' }]);
    await t.throwsAsync(repo.commit('nope'), { code: 'ERR_DETACHED_HEAD' });
    await t.throwsAsync(repo.createBranch('detached/x'), { code: 'ERR_REPOSITORY_ARGUMENT' });
    await repo.checkout('hotfix', { create: true });
    t.is((await repo.head()).branch, 'hotfix');
    t.truthy(await repo.commit('fix on old'));
    t.deepEqual((await repo.branches()).map((b) => b.name), ['hotfix', 'main']);
    await repo.checkout('main');
    t.deepEqual(await chromaContents(chroma, 'detached'), { a: 'new' });
  });

  test(`${kind}: branches: delete refuses the current and unmerged ones unless forced; rename; survives reopen`, async (t) => {
    const dir = tempDir(t, 'repo-branches');
    const storePath = `${dir}/store.doltlite`;
    const statePath = `${dir}/repository.json`;
    const chroma = await openChroma(t);
    let store = await DoltLiteStore.open({ path: storePath });
    let repo = await Repository.open({ chroma, store, statePath });
    await chroma.createCollection({ name: 'branching' });
    await repo.sync.writeDocuments('branching', [{ docId: 'a', content: 'a' }]);
    await repo.commit('base');
    await repo.checkout('work', { create: true });
    await repo.sync.writeDocuments('branching', [{ docId: 'w', content: 'work' }]);
    await repo.commit('work');
    await t.throwsAsync(repo.deleteBranch('work'), { code: 'ERR_STORE_ARGUMENT' });
    await repo.renameBranch('work', 'renamed');
    t.is((await repo.head()).branch, 'renamed');
    await store.close();

    store = await DoltLiteStore.open({ path: storePath });
    t.teardown(() => store.close());
    repo = await Repository.open({ chroma, store, statePath });
    t.is((await repo.head()).branch, 'renamed', 'the active branch survived the reopen');
    t.is(await store.activeBranch(), 'renamed', 'and the store itself is on it');
    t.true((await repo.status()).clean);
    await repo.checkout('main');
    await t.throwsAsync(repo.deleteBranch('main'), { code: 'ERR_STORE_ARGUMENT' });
    await t.throwsAsync(repo.deleteBranch('renamed'), { code: 'ERR_STORE_ARGUMENT', message: /not merged/ });
    await repo.deleteBranch('renamed', { force: true });
    t.deepEqual((await repo.branches()).map((b) => b.name), ['main']);
  });

  test(`${kind}: collections are versioned: created, deleted, metadata; one commit for all; checkout follows`, async (t) => {
    const { chroma, repo } = await openRepository(t, openChroma);
    await chroma.createCollection({ name: 'keep', metadata: { owner: 'me' } });
    await chroma.createCollection({ name: 'doomed' });
    await repo.sync.writeDocuments('keep', [{ docId: 'k', content: 'kept' }]);
    await repo.sync.writeDocuments('doomed', [{ docId: 'z', content: 'goes away' }]);
    const logLength = (await repo.log()).length;
    await repo.commit('two collections');
    t.is((await repo.log()).length, logLength + 1, 'one commit for both collections');

    await repo.checkout('reshape', { create: true });
    await chroma.deleteCollection('doomed');
    await chroma.createCollection({ name: 'fresh', metadata: { kind: 'new' } });
    await repo.sync.writeDocuments('fresh', [{ docId: 'f', content: 'fresh doc' }]);
    const status = await repo.status();
    t.deepEqual(status.collections.map((c) => [c.name, c.state]), [['fresh', 'created'], ['keep', 'unchanged'], ['doomed', 'deleted']]);
    await repo.commit('reshape');
    t.true((await repo.status()).clean);
    t.deepEqual(await repo.collectionAt('HEAD', 'doomed'), [], 'its documents left the store too');

    await repo.checkout('main');
    t.deepEqual((await chroma.listCollections()).map((c) => c.name).sort(), ['doomed', 'keep']);
    t.deepEqual(await chromaContents(chroma, 'doomed'), { z: 'goes away' });
    t.true((await repo.status()).clean);
    await repo.checkout('reshape');
    const names = await chroma.listCollections();
    t.deepEqual(names.map((c) => c.name).sort(), ['fresh', 'keep']);
    t.is(names.find((c) => c.name === 'fresh')!.metadata?.['kind'], 'new');
    t.deepEqual(await chromaContents(chroma, 'fresh'), { f: 'fresh doc' });
    t.true((await repo.status()).clean);
  });
}
