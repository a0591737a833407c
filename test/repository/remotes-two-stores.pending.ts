/**
 * PENDING until the embedded store is file-backed: push from one store to a remote folder on disk, clone it into
 * a new store in another process, change and push there, pull back. With today's in-memory WASM engine a
 * `file://` remote lives in the engine's own memory, so another store (another owner thread) never sees it.
 * Rename to remotes-two-stores.test.ts once remotes reach the disk.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Chroma } from '../../lib/chroma/chroma.js';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { Repository } from '../../lib/repository/repository.js';
import { tempDir } from '../helpers/temp-dir.js';
import { chromaContents } from './scenario.js';

const child = fileURLToPath(new URL('../fixtures/repository-clone-child.js', import.meta.url));

test('remotes between two stores in two processes: push, clone, push back, pull', async (t) => {
  const dir = tempDir(t, 'repo-remote-two');
  const remote = `file://${join(dir, 'remote')}`;
  const chroma = await Chroma.embedded({ path: join(dir, 'chroma-a') });
  t.teardown(() => chroma.close());
  const store = await DoltLiteStore.open({ path: join(dir, 'a.doltlite') });
  t.teardown(() => store.close());
  const repo = await Repository.open({ chroma, store, statePath: join(dir, 'a.json') });
  await chroma.createCollection({ name: 'shared' });
  await repo.sync.writeDocuments('shared', [{ docId: 'a', content: 'from A' }]);
  await repo.commit('A');
  await repo.addRemote('origin', remote);
  await repo.push('origin');

  // Another process clones the remote into its own store and Chroma, adds a document and pushes.
  const exit = await new Promise<number | null>((resolve) => {
    const proc = spawn(process.execPath, [child, remote, dir], { stdio: 'inherit' });
    proc.once('exit', resolve);
  });
  t.is(exit, 0);

  const pulled = await repo.pull('origin');
  t.is(pulled.status, 'fast-forward');
  t.deepEqual(await chromaContents(chroma, 'shared'), { a: 'from A', b: 'from B' });
});
