import test from 'ava';
import { join } from 'node:path';
import { Chroma } from '../../lib/chroma/chroma.js';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { Repository } from '../../lib/repository/repository.js';
import { tempDir } from '../helpers/temp-dir.js';

test('a restarted DoltLite owner reopens on its default branch; the repository puts the working branch back', async (t) => {
  const dir = tempDir(t, 'repo-restart');
  const chroma = await Chroma.embedded({ path: join(dir, 'chroma') });
  t.teardown(() => chroma.close());
  const store = await DoltLiteStore.open({ path: join(dir, 'store.doltlite') });
  t.teardown(() => store.close());
  const repo = await Repository.open({ chroma, store, statePath: join(dir, 'repository.json') });
  await chroma.createCollection({ name: 'restarts' });
  await repo.sync.writeDocuments('restarts', [{ docId: 'a', content: 'a' }]);
  await repo.commit('base');
  await repo.checkout('feature', { create: true });
  await store.executor.restart();
  // Versioning operations run one at a time, so this one runs after the branch was put back.
  await repo.createBranch('after-restart');
  t.is(await store.activeBranch(), 'feature');
  t.is((await repo.head()).branch, 'feature');
});
