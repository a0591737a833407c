// The store file: what it refuses (untouched), what it creates (modes, no symlinks followed), earlier snapshots,
// all-or-nothing commits, the active branch across reopening, and file remotes that reach the disk.
import test from 'ava';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { DoltLiteVersioning } from '../../lib/dolt/doltlite-versioning-client.js';
import { StoreFormatError } from '../../lib/dolt/doltlite-file.js';
import { StoreArgumentError, StoreQueryError } from '../../lib/dolt/errors.js';
import { startFixture } from '../helpers/child-lines.js';
import { startWithTestOps } from '../helpers/doltlite-test-ops.js';
import { tempDir } from '../helpers/temp-dir.js';
import { doc } from './contract.js';

const fixture = fileURLToPath(new URL('../../../test/fixtures/snapshot-v0.1.doltlite', import.meta.url));
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Files that are not stores this library wrote; each must be refused and left exactly as it was. */
const foreign: Record<string, (path: string) => void> = {
  empty: (path) => writeFileSync(path, ''),
  'a text file': (path) => writeFileSync(path, 'hello, this is not a database\n'.repeat(20)),
  garbage: (path) => writeFileSync(path, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251))),
  'a plain SQLite file header': (path) => writeFileSync(path, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4080)])),
  'a store cut to its first 100 bytes': (path) => writeFileSync(path, readFileSync(fixture).subarray(0, 100)),
  'a store cut in half': (path) => writeFileSync(path, readFileSync(fixture).subarray(0, readFileSync(fixture).length >> 1)),
};

for (const [kind, write] of Object.entries(foreign)) {
  test(`doltlite file: ${kind} is refused with StoreFormatError and left byte for byte`, async (t) => {
    const dir = tempDir(t, 'foreign');
    const path = join(dir, 'store.doltlite');
    write(path);
    const before = sha(path);
    const error = await t.throwsAsync(DoltLiteStore.open({ path }), { instanceOf: StoreFormatError });
    t.is(error.code, 'ERR_STORE_FORMAT');
    t.true(error.message.includes(path));
    t.is(sha(path), before);
    t.deepEqual(readdirSync(dir), ['store.doltlite'], 'nothing else was created, and the lock was released');
  });
}

test('doltlite file: a store whose last commit was cut short although it was closed cleanly is refused, untouched', async (t) => {
  const dir = tempDir(t, 'cut');
  const path = join(dir, 'store.doltlite');
  const store = await DoltLiteStore.open({ path });
  await store.commitChanges({ collection: 'c', upserts: [doc('a', 'one')], deletes: [], message: 'one' });
  await store.close();
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, bytes.length - 10));
  const before = sha(path);
  await t.throwsAsync(DoltLiteStore.open({ path }), { instanceOf: StoreFormatError });
  t.is(sha(path), before);
});

test('doltlite file: a folder or a symbolic link at the store path is refused', async (t) => {
  const dir = tempDir(t, 'notfile');
  mkdirSync(join(dir, 'folder.doltlite'));
  await t.throwsAsync(DoltLiteStore.open({ path: join(dir, 'folder.doltlite') }), { instanceOf: StoreFormatError });
  copyFileSync(fixture, join(dir, 'real.doltlite'));
  symlinkSync(join(dir, 'real.doltlite'), join(dir, 'link.doltlite'));
  const before = sha(join(dir, 'real.doltlite'));
  await t.throwsAsync(DoltLiteStore.open({ path: join(dir, 'link.doltlite') }), { instanceOf: StoreFormatError });
  t.is(sha(join(dir, 'real.doltlite')), before);
});

test('doltlite file: a snapshot written by the previous version opens with its rows, history and branches, and goes on', async (t) => {
  const path = join(tempDir(t, 'migrate'), 'store.doltlite');
  copyFileSync(fixture, path);
  const store = await DoltLiteStore.open({ path });
  t.deepEqual([...(await store.documentHashes('notes')).keys()].sort(), ['a', 'b']);
  t.deepEqual(
    (await store.log()).map((c) => c.message),
    ['Edit b, delete c', 'Add three notes', 'Create session-executor schema', 'Initialize data repository'],
  );
  t.deepEqual(await store.branches(), ['feature', 'main']);
  const diff = await store.diff((await store.head())!);
  t.deepEqual(diff.map((d) => `${d.type} ${d.docId}`).sort(), ['modified b', 'removed c']);
  await store.commitChanges({ collection: 'notes', upserts: [doc('d', 'Delta')], deletes: [], message: 'after migration' });
  await store.close();
  const again = await DoltLiteStore.open({ path });
  t.teardown(() => again.close());
  t.deepEqual([...(await again.documentHashes('notes')).keys()].sort(), ['a', 'b', 'd']);
  t.is((await again.log(1))[0]!.message, 'after migration');
  await again.checkout('feature');
  t.deepEqual([...(await again.documentHashes('notes')).keys()].sort(), ['a', 'b', 'c']);
});

test('doltlite file: the store and its files are 0600, a created folder 0700; planted symbolic links are never followed', async (t) => {
  const root = tempDir(t, 'modes');
  const dir = join(root, 'new', 'folder');
  const path = join(dir, 'store.doltlite');
  // Links planted in advance at every name the store writes beside itself, pointing at a victim file.
  mkdirSync(dir, { recursive: true });
  const victim = join(root, 'victim.txt');
  writeFileSync(victim, 'do not touch');
  for (const name of ['.store.doltlite-lock', '.store.doltlite.branch', '.store.doltlite.tmp', '.store.doltlite.engine']) {
    symlinkSync(victim, join(dir, name));
  }
  const store = await DoltLiteStore.open({ path });
  await store.commitChanges({ collection: 'c', upserts: [doc('a', 'one')], deletes: [], message: 'one' });
  await store.createBranch('side');
  await store.checkout('side');
  await store.close();
  t.is(readFileSync(victim, 'utf8'), 'do not touch');
  t.is(statSync(path).mode & 0o777, 0o600);
  t.is(statSync(join(dir, '.store.doltlite.branch')).mode & 0o777, 0o600);
  t.false(lstatSync(join(dir, '.store.doltlite.branch')).isSymbolicLink(), 'the link was replaced, not followed');

  const fresh = join(root, 'made', 'by', 'store', 'store.doltlite');
  const other = await DoltLiteStore.open({ path: fresh });
  await other.close();
  t.is(statSync(join(root, 'made')).mode & 0o777, 0o700);
  t.is(statSync(join(root, 'made', 'by', 'store')).mode & 0o777, 0o700);
  t.is(statSync(fresh).mode & 0o777, 0o600);
});

test('doltlite file: a planted link at the lock name is removed, not followed', async (t) => {
  const dir = tempDir(t, 'locklink');
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'do not touch');
  symlinkSync(victim, join(dir, '.store.doltlite.owner.lock'));
  const store = await DoltLiteStore.open({ path: join(dir, 'store.doltlite') });
  await store.close();
  t.is(readFileSync(victim, 'utf8'), 'do not touch');
});

test('doltlite commit (wasm engine): all or nothing: when the commit fails the rows are rolled back; a retry commits everything', async (t) => {
  const path = join(tempDir(t, 'atomic'), 'store.doltlite');
  const store = await startWithTestOps(t, path, undefined, 'wasm');
  const base = await store.call('commitChanges', { collection: 'c', upserts: [doc('keep', 'k')], deletes: [], message: 'base' });
  const changes = { collection: 'c', upserts: [doc('new', 'n'), doc('keep', 'k2')], deletes: [], message: 'change' };

  // A commit without a message is refused before anything is written ...
  await t.throwsAsync(store.call('commitChanges', { ...changes, message: '' }), { instanceOf: StoreArgumentError });
  // ... and a disk that fails in the middle of the commit.
  await store.call('failNextWrite', undefined);
  const failed = await t.throwsAsync(store.call('commitChanges', changes), { instanceOf: StoreQueryError });
  t.true(failed.message.includes('EIO'), 'the system reason is in the message');
  t.is((await store.call('log', 1))[0]!.hash, base!);
  t.deepEqual(await store.call('status', undefined), [], 'nothing was left in the working set');
  t.deepEqual([...new Map<string, string>(JSON.parse(await store.call('documentHashes', { collection: 'c' }))).entries()], [['keep', doc('keep', 'k').contentHash]]);

  const hash = await store.call('commitChanges', changes);
  t.not(hash, null);
  t.deepEqual([...new Map<string, string>(JSON.parse(await store.call('documentHashes', { collection: 'c' }))).keys()].sort(), ['keep', 'new']);
  const diff = await store.call('diff', { to: hash! });
  t.deepEqual(diff.map((d) => `${d.type} ${d.docId}`).sort(), ['added new', 'modified keep']);
});

test('doltlite file: the active branch survives reopening', async (t) => {
  const path = join(tempDir(t, 'branch'), 'store.doltlite');
  const store = await DoltLiteStore.open({ path });
  await store.createBranch('work');
  await store.checkout('work');
  await store.commitChanges({ collection: 'c', upserts: [doc('w', 'on work')], deletes: [], message: 'on work' });
  await store.close();
  const again = await DoltLiteStore.open({ path });
  t.teardown(() => again.close());
  t.is(await again.activeBranch(), 'work');
  t.deepEqual([...(await again.documentHashes('c')).keys()], ['w']);
});

test('doltlite remote: push to a folder, clone it in another process, push again and pull', async (t) => {
  const dir = tempDir(t, 'remote');
  const remote = join(dir, 'remote-folder');
  const url = `file://${join(remote, 'store.doltlite')}`;
  const source = await DoltLiteStore.open({ path: join(dir, 'source.doltlite') });
  t.teardown(() => source.close());
  const versioning = new DoltLiteVersioning(source);
  await source.commitChanges({ collection: 'c', upserts: [doc('a', 'one'), doc('b', 'two')], deletes: [], message: 'first' });
  await versioning.addRemote('origin', url);
  await versioning.push('origin', 'main');
  t.true(existsSync(join(remote, 'store.doltlite')), 'the remote is a file on disk');
  t.is(statSync(join(remote, 'store.doltlite')).mode & 0o777, 0o600);
  t.is(statSync(remote).mode & 0o777, 0o700);

  const cloned = startFixture('doltlite-child', ['clone', join(dir, 'clone.doltlite'), remote]);
  const seen = await cloned.next<{ log: string[]; docs: string[]; branches: string[] }>();
  t.deepEqual(seen.docs, ['a', 'b']);
  t.deepEqual(seen.log.slice(0, 2), ['first', 'Create session-executor schema']);
  t.deepEqual(seen.branches, ['main']);
  t.is(await cloned.exited, 0, 'the cloning process closed its store and exited'); // it holds the clone until then

  await source.commitChanges({ collection: 'c', upserts: [doc('c', 'three')], deletes: ['a'], message: 'second' });
  await versioning.push('origin', 'main');
  const clone = await DoltLiteStore.open({ path: join(dir, 'clone.doltlite') });
  t.teardown(() => clone.close());
  const cloneVersioning = new DoltLiteVersioning(clone);
  t.deepEqual(await cloneVersioning.remotes(), [{ name: 'origin', url }]);
  await cloneVersioning.pull('origin', 'main');
  t.deepEqual([...(await clone.documentHashes('c')).keys()].sort(), ['b', 'c']);
  t.is((await clone.log(1))[0]!.message, 'second');
});

test('doltlite remote: a push into a file that is not a store is refused, the file untouched', async (t) => {
  const dir = tempDir(t, 'remote-foreign');
  const target = join(dir, 'notes.txt');
  writeFileSync(target, 'my notes, not a store\n');
  const before = sha(target);
  const store = await DoltLiteStore.open({ path: join(dir, 'store.doltlite') });
  t.teardown(() => store.close());
  const versioning = new DoltLiteVersioning(store);
  await versioning.addRemote('wrong', `file://${target}`);
  await t.throwsAsync(versioning.push('wrong', 'main'), { instanceOf: StoreFormatError });
  t.is(sha(target), before);
});

test('doltlite file: reopening commits nothing: uncommitted work stays uncommitted, the log is unchanged', async (t) => {
  const path = join(tempDir(t, 'uncommitted'), 'store.doltlite');
  const store = await DoltLiteStore.open({ path });
  await store.commitChanges({ collection: 'c', upserts: [doc('a', 'one')], deletes: [], message: 'one' });
  await store.ensureCollection('pending'); // written, not committed
  const head = await store.head();
  await store.close();
  const again = await DoltLiteStore.open({ path });
  t.teardown(() => again.close());
  t.is(await again.head(), head);
  t.deepEqual((await again.status()).map((s) => s.table), ['collections']);
});
