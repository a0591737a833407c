/**
 * A remote that is the store's own file, under any spelling, is refused with RemoteIsSelfError when added, and
 * at push, fetch and pull for one that became the store's own file after it was added; the store file is not
 * touched. Another file beside it is a remote like any other.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { versioningFor } from '../../lib/dolt/versioning-for.js';
import { tempDir } from '../helpers/temp-dir.js';

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

test('remote is self: every spelling of the store file is refused when added, and at push, fetch and pull', async (t) => {
  const dir = tempDir(t, 'remote-self');
  const path = join(dir, 'data', 'store.doltlite');
  const store = await DoltLiteStore.open({ path });
  t.teardown(() => store.close());
  const versioning = versioningFor(store);
  await store.commitChanges({ collection: 'notes', upserts: [{ docId: 'a', content: 'alpha', contentHash: 'a'.repeat(64), metadata: {} }], deletes: [], message: 'first' });
  symlinkSync(path, join(dir, 'file-link.doltlite'));
  symlinkSync(join(dir, 'data'), join(dir, 'folder-link'));
  linkSync(path, join(dir, 'hard-link.doltlite'));
  mkdirSync(join(dir, 'other'));
  const name = basename(path);
  const encoded = `${name.slice(0, -1)}%${name.charCodeAt(name.length - 1).toString(16)}`;
  const spellings = [
    `file://${path}`,
    pathToFileURL(path).href,
    `file://${relative(process.cwd(), path)}`,
    `file://${dir}/other/../data/./${name}`,
    `file://${path}/`,
    `file://${path}//`,
    `FILE://${path}`,
    `file://localhost${path}`,
    `file://${dirname(path)}/${encoded}`,
    `file://${join(dir, 'file-link.doltlite')}`,
    `file://${join(dir, 'folder-link', name)}`,
    `file://${join(dir, 'hard-link.doltlite')}`,
    path,
    relative(process.cwd(), path),
  ];
  const before = digest(path);
  for (const [i, url] of spellings.entries()) {
    await t.throwsAsync(versioning.addRemote(`self${i}`, url), { code: 'ERR_STORE_REMOTE_IS_SELF', message: /own file/ }, url);
  }
  t.deepEqual(await versioning.remotes(), []);
  t.is(digest(path), before, 'refused adds wrote nothing');

  // Added while it named nothing, then made the store's own file: refused before the engine or the file check.
  const later = join(dir, 'later.doltlite');
  await versioning.addRemote('later', `file://${later}`);
  symlinkSync(path, later);
  const added = digest(path);
  for (const op of [() => versioning.push('later', 'main'), () => versioning.fetch('later'), () => versioning.pull('later', 'main')]) {
    await t.throwsAsync(op(), { code: 'ERR_STORE_REMOTE_IS_SELF' });
  }
  t.is(digest(path), added, 'the store file was not touched');

  // A different file in the same folder is an ordinary remote.
  await versioning.addRemote('beside', `file://${join(dirname(path), 'remote.doltlite')}`);
  await versioning.push('beside', 'main');
  t.is((await store.log(1))[0]!.message, 'first');
});
