/**
 * A push killed while creating a file remote leaves an empty or cut file there; the next push sets it aside and
 * creates the remote, where it used to refuse that remote for good. A file no push of ours was creating is still
 * refused untouched.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { StoreFormatError } from '../../lib/dolt/doltlite-file.js';
import { StoreArgumentError } from '../../lib/dolt/errors.js';
import { markRemoteCreation } from '../../lib/dolt/remote-creation.js';
import { versioningFor } from '../../lib/dolt/versioning-for.js';
import { tempDir } from '../helpers/temp-dir.js';
import { doc } from './contract.js';

const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

test('push: an empty or cut remote file left by a push that died creating it is set aside and the remote created; a foreign one is refused', async (t) => {
  const dir = tempDir(t, 'remote-creation');
  const store = await DoltLiteStore.open({ path: join(dir, 'store.doltlite') });
  t.teardown(() => store.close());
  const head = await store.commitChanges({ collection: 'c', upserts: [doc('a', 'A')], deletes: [], message: 'one' });
  const versioning = versioningFor(store);
  for (const [name, debris] of [['empty', ''], ['cut', 'DoltLi']] as const) {
    const remote = join(dir, `${name}.doltlite`);
    await versioning.addRemote(name, `file://${remote}`);

    // Not created by a push of ours (no mark): refused, byte for byte as it was.
    writeFileSync(remote, debris);
    await t.throwsAsync(versioning.push(name, 'main'), { instanceOf: StoreFormatError });
    t.is(readFileSync(remote, 'utf8'), debris);

    // Created by a push whose writer died: set aside (kept), and this push creates the remote.
    markRemoteCreation(remote, deadPid());
    await versioning.push(name, 'main');
    const clone = await DoltLiteStore.clone(`file://${remote}`, { path: join(dir, `${name}-clone.doltlite`) });
    t.is(await clone.head(), head, `${name}: the remote holds the pushed history`);
    await clone.close();
    t.true(readdirSync(dir).some((file) => file.startsWith(`.${name}.doltlite.torn-`)), `${name}: the debris is kept aside`);
    t.false(existsSync(join(dir, `.${name}.doltlite.creating`)), `${name}: the mark is gone once the push landed`);
  }
});

test('DoltLiteStore.clone of a remote with no store or an unreadable file: a typed error, nothing left at the path, which clones later', async (t) => {
  const dir = tempDir(t, 'clone-bad-remote');
  const remote = join(dir, 'remote.doltlite');
  const path = join(dir, 'clone.doltlite');
  const leftovers = () => readdirSync(dir).filter((file) => file.includes('clone.doltlite'));
  await t.throwsAsync(DoltLiteStore.clone(`file://${remote}`, { path }), { instanceOf: StoreArgumentError, message: /holds no store/ });
  t.deepEqual(leftovers(), [], 'a missing remote leaves nothing');
  writeFileSync(remote, '');
  await t.throwsAsync(DoltLiteStore.clone(`file://${remote}`, { path }), { instanceOf: StoreFormatError });
  t.deepEqual(leftovers(), [], 'an empty remote leaves nothing');
  t.is(readFileSync(remote, 'utf8'), '', 'the remote file is untouched');

  const source = await DoltLiteStore.open({ path: join(dir, 'source.doltlite') });
  t.teardown(() => source.close());
  const head = await source.commitChanges({ collection: 'c', upserts: [doc('a', 'A')], deletes: [], message: 'one' });
  await versioningFor(source).addRemote('origin', `file://${join(dir, 'good.doltlite')}`);
  await versioningFor(source).push('origin', 'main');
  const clone = await DoltLiteStore.clone(`file://${join(dir, 'good.doltlite')}`, { path });
  t.teardown(() => clone.close());
  t.is(await clone.head(), head);
});
