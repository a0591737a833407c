/**
 * Bad arguments to the repository get a typed error with a stable `code` before anything reads or moves:
 * closed options, enumerated values checked (a misspelt `ifUncommitted` must not skip the 'abort' safety),
 * the commit message checked first, names and remote URLs checked when given, and a state folder that cannot
 * be made failing at once instead of hanging.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { InvalidChangeError, StoreAlreadyExistsError } from '../../lib/dolt/errors.js';
import { PathNotUsableError } from '../../lib/path-lock.js';
import { Repository } from '../../lib/repository/repository.js';
import { openEmbeddedChroma } from '../helpers/open-chroma.js';
import { chromaContents, openRepository } from './scenario.js';

test('Repository.open and clone refuse unknown keys, wrong shapes and unknown verify levels before opening', async (t) => {
  const chroma = {} as never;
  const store = {} as never;
  for (const [options, code] of [
    [{ chroma, store, statPath: 'x' }, 'ERR_INVALID_ARG_VALUE'],
    [{ chroma, store, verify: 'x' }, 'ERR_INVALID_ARG_VALUE'],
    [{ chroma, store, verify: 5 }, 'ERR_INVALID_ARG_TYPE'],
    [{ chroma, store, statePath: 7 }, 'ERR_INVALID_ARG_TYPE'],
    [{ chroma: null, store }, 'ERR_INVALID_ARG_TYPE'],
    ['state.json', 'ERR_INVALID_ARG_TYPE'],
    [undefined, 'ERR_INVALID_ARG_TYPE'],
  ] as const) {
    await t.throwsAsync(Repository.open(options as never), { instanceOf: TypeError, code }, JSON.stringify(options));
  }
  await t.throwsAsync(Repository.clone({ chroma, store, url: 'file:///x', remotes: 'o' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(Repository.clone({ chroma, store } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
});

test('repository arguments: message first, enumerated options, names, remotes and existing refs are typed errors that change nothing', async (t) => {
  const { chroma, repo, store } = await openRepository(t, (tt) => openEmbeddedChroma(tt, 'repo-args-chroma'));
  await chroma.createCollection({ name: 'notes' });
  // With nothing to commit a bad message is refused all the same: it is checked first.
  for (const message of [null, 5, '', ' ']) {
    await t.throwsAsync(repo.commit(message as never), { instanceOf: InvalidChangeError, code: 'ERR_STORE_INVALID_CHANGE' });
  }
  await repo.sync.writeDocuments('notes', [{ docId: 'a', content: 'committed' }]);
  for (const message of [null, '']) {
    const error = await t.throwsAsync(repo.commit(message as never), { instanceOf: InvalidChangeError });
    t.notRegex(error!.message, /SELECT|dolt_commit/);
  }
  await repo.commit('c1');
  await repo.createBranch('feat');
  await repo.sync.writeDocuments('notes', [{ docId: 'a', content: 'uncommitted' }]);
  const head = await repo.head();

  await t.throwsAsync(repo.checkout('feat', { ifUncommitted: 'discrad' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(repo.checkout('feat', { ifuncommitted: 'discard' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(repo.checkout('feat', { verify: 'x' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(repo.checkout('feat', { create: 'yes' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
  await t.throwsAsync(repo.checkout('', {}), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(repo.status({ verify: 'bogus' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(repo.deleteBranch('feat', { forse: true } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(repo.merge('feat', { message: '' }), { instanceOf: InvalidChangeError });
  await t.throwsAsync(repo.reset({ hrad: 'HEAD' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  await t.throwsAsync(repo.createTag('v0', { refs: 'HEAD' } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  for (const limit of [-1, NaN, 1.5]) await t.throwsAsync(repo.log(limit), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
  t.deepEqual(await repo.head(), head, 'nothing moved');
  t.deepEqual(await chromaContents(chroma, 'notes'), { a: 'uncommitted' }, 'the uncommitted work is still there');

  await t.throwsAsync(repo.addRemote('x', 'notaurl'), { code: 'ERR_STORE_ARGUMENT', message: /invalid remote url/ });
  await t.throwsAsync(repo.addRemote('x', './relremote'), { code: 'ERR_STORE_ARGUMENT', message: /invalid remote url/ });
  await t.throwsAsync(repo.addRemote('', 'file:///tmp/r'), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE', message: /remote name/ });
  t.deepEqual(await repo.remotes(), []);

  await t.throwsAsync(repo.createBranch('feat'), { instanceOf: StoreAlreadyExistsError, code: 'ERR_STORE_ALREADY_EXISTS' });
  await repo.createBranch('other');
  await t.throwsAsync(repo.renameBranch('other', 'feat'), { instanceOf: StoreAlreadyExistsError });
  await repo.createTag('v1');
  await t.throwsAsync(repo.createTag('v1'), { instanceOf: StoreAlreadyExistsError });
  t.deepEqual((await repo.branches()).map((b) => b.name), ['feat', 'main', 'other']);
  t.true((await store.log(10)).length >= 2);
});

test('a branch named like a tag is refused before anything moves, and the tag and HEAD still check out as Git would', async (t) => {
  const { chroma, repo } = await openRepository(t, (tt) => openEmbeddedChroma(tt, 'repo-tag-branch'));
  await chroma.createCollection({ name: 'notes' });
  await repo.sync.writeDocuments('notes', [{ docId: 'a', content: 'one' }]);
  const one = await repo.commit('one');
  await repo.createTag('v1');
  await repo.sync.writeDocuments('notes', [{ docId: 'a', content: 'two' }]);
  const two = await repo.commit('two');
  // Before, the branch was made and the switch to it failed: every later call then failed on opening the branch.
  await t.throwsAsync(repo.checkout('v1', { create: true }), { instanceOf: StoreAlreadyExistsError, message: /tag named "v1"/ });
  t.deepEqual(await repo.head(), { branch: 'main', commit: two });
  t.deepEqual((await repo.branches()).map((b) => b.name), ['main']);
  // `checkout HEAD` is no move: still on main, so the next commit works.
  await repo.checkout('HEAD');
  t.deepEqual(await repo.head(), { branch: 'main', commit: two });
  await repo.sync.writeDocuments('notes', [{ docId: 'b', content: 'three' }]);
  t.truthy(await repo.commit('three'));
  await repo.checkout('v1');
  t.deepEqual(await repo.head(), { branch: null, commit: one });
  t.deepEqual(await chromaContents(chroma, 'notes'), { a: 'one' });
});

test('a statePath whose folder cannot be made fails at once with PathNotUsableError instead of hanging', async (t) => {
  const { chroma, store } = await openRepository(t, (tt) => openEmbeddedChroma(tt, 'repo-args-proc'));
  t.timeout(120_000); // a hang would otherwise hold the test until ava's own timeout
  const repo = await Repository.open({ chroma, store: store as DoltLiteStore, statePath: join('/proc/self/no-such', 'x', 'repository.json') });
  await chroma.createCollection({ name: 'notes' });
  await repo.sync.writeDocuments('notes', [{ docId: 'a', content: 'x' }]);
  await repo.commit('c1');
  await repo.createBranch('feat');
  await t.throwsAsync(repo.checkout('feat'), { instanceOf: PathNotUsableError, code: 'ERR_PATH_NOT_USABLE' });
});

test('commits without the store tables (the first one in the log, a reverted schema) are refused as targets, read as empty, and leave the repository usable', async (t) => {
  const statePath = join(mkdtempSync(join(tmpdir(), 'repo-first-')), 'repository.json');
  const { chroma, repo, store } = await openRepository(t, (tt) => openEmbeddedChroma(tt, 'repo-first-chroma'), { statePath });
  await chroma.createCollection({ name: 'notes' });
  await repo.sync.writeDocuments('notes', [{ docId: 'a', content: 'committed' }]);
  const head = await repo.commit('first');
  const log = await repo.log();
  const [schema, first] = log.slice(-2).map((c) => c.hash);
  // The first commit has no parent and no tables: shown, read as empty.
  t.deepEqual((await repo.show(first!)).parents, []);
  t.deepEqual((await repo.show(first!)).changes, []);
  t.is(await repo.documentAt(first!, 'notes', 'a'), null);
  t.deepEqual(await repo.collectionAt(first!, 'notes'), []);

  const refused = { code: 'ERR_STORE_ARGUMENT', message: /predates the store's tables|created the store's tables/ };
  await t.throwsAsync(repo.checkout(first!), refused);
  await t.throwsAsync(repo.checkout('old', { create: true, from: first! }), refused);
  await t.throwsAsync(repo.createBranch('old', first!), refused);
  await t.throwsAsync(repo.reset({ hard: first! }), refused);
  t.is((await repo.head()).commit, head!);
  t.deepEqual(await chromaContents(chroma, 'notes'), { a: 'committed' });
  // A refused reset leaves no journal behind: the next open does not retry it.
  const reopened = await Repository.open({ chroma, store, statePath });
  t.true((await reopened.status()).clean);

  // Back to the schema commit (tables, no rows), then reverting it would remove the tables: refused, nothing moves.
  await reopened.reset({ hard: schema! });
  t.deepEqual(await chroma.listCollections(), []);
  await t.throwsAsync(reopened.revert('HEAD'), refused);
  t.is((await reopened.head()).commit, schema);
  t.true((await reopened.status()).clean);
  // And forward again: the diff from a commit to the same history works both ways.
  await reopened.reset({ hard: head! });
  t.deepEqual(await chromaContents(chroma, 'notes'), { a: 'committed' });
});

test('two Repository instances over one Chroma client take turns: concurrent commits make one commit, concurrent checkouts end on one branch', async (t) => {
  const statePath = join(mkdtempSync(join(tmpdir(), 'repo-two-')), 'repository.json');
  const { chroma, repo, store } = await openRepository(t, (tt) => openEmbeddedChroma(tt, 'repo-two-instances'), { statePath });
  const other = await Repository.open({ chroma, store, statePath });
  await chroma.createCollection({ name: 'notes' });
  await repo.sync.writeDocuments('notes', [{ docId: 'a', content: 'one' }]);
  const before = (await repo.log()).length;
  // Before, each read the working copy while the other committed, and both committed the same change.
  const commits = await Promise.all([repo.commit('first'), other.commit('second')]);
  t.is(commits.filter((c) => c !== null).length, 1);
  t.is((await repo.log()).length, before + 1);
  await Promise.all([repo.checkout('f', { create: true }), other.checkout('g', { create: true })]);
  t.deepEqual(await repo.head(), await other.head());
  t.is((await repo.head()).branch, 'g', 'the second checkout ran after the first');
  t.true((await other.status()).clean);
});
