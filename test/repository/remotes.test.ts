/**
 * Remotes through one store: add, list, push, pull (fetch + merge + Chroma refreshed), remove. Pushing to and
 * cloning from a remote on disk between two stores needs the file-backed embedded store; that test is in
 * remotes-two-stores.pending.ts.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { Chroma } from '../../lib/chroma/chroma.js';
import { tempDir } from '../helpers/temp-dir.js';
import { chromaContents, openRepository } from './scenario.js';

test('remotes: add and list; push; a hard reset behind the remote; pull fast-forwards and Chroma follows; remove', async (t) => {
  const { chroma, repo } = await openRepository(t, async (tt) => {
    const c = await Chroma.embedded({ path: tempDir(tt, 'repo-remotes-chroma') });
    tt.teardown(() => c.close());
    return c;
  });
  await chroma.createCollection({ name: 'shared' });
  await repo.sync.writeDocuments('shared', [{ docId: 'a', content: 'first' }]);
  const c1 = (await repo.commit('first'))!;
  const url = `file:///remote-${randomBytes(4).toString('hex')}.doltlite`;
  await repo.addRemote('origin', url);
  t.deepEqual(await repo.remotes(), [{ name: 'origin', url }]);
  await t.throwsAsync(repo.addRemote('--bad', url), { code: 'ERR_STORE_ARGUMENT' });
  await repo.push('origin');
  // A branch that does not exist is the caller's mistake, typed, not the engine's query error.
  await t.throwsAsync(repo.push('origin', 'nope'), { code: 'ERR_STORE_ARGUMENT', message: /unknown branch "nope"/ });
  await repo.sync.writeDocuments('shared', [{ docId: 'a', content: 'second' }, { docId: 'b', content: 'new' }]);
  const c2 = (await repo.commit('second'))!;
  await repo.push('origin');

  await repo.reset({ hard: c1 });
  t.deepEqual(await chromaContents(chroma, 'shared'), { a: 'first' });
  const pulled = await repo.pull('origin');
  t.is(pulled.status, 'fast-forward');
  t.is(pulled.commit, c2);
  t.deepEqual(await chromaContents(chroma, 'shared'), { a: 'second', b: 'new' });
  t.true((await repo.status()).clean);
  await repo.removeRemote('origin');
  t.deepEqual(await repo.remotes(), []);
});
