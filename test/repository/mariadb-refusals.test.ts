/** On MySQL/MariaDB there are no versions: every operation that needs them is refused with a typed error. */
import test from 'ava';
import { Chroma } from '../../lib/chroma/chroma.js';
import { MysqlStore } from '../../lib/dolt/mysql-store.js';
import { UnsupportedOperationError } from '../../lib/dolt/versioning.js';
import { Repository } from '../../lib/repository/repository.js';
import { startMariaDb, type MariaDbServer } from '../../lib/servers/mariadb-server.js';
import { freshDatabase } from '../helpers/mariadb.js';
import { tempDir } from '../helpers/temp-dir.js';

let server: MariaDbServer;
test.before(async () => {
  server = await startMariaDb();
});
test.after.always(async () => {
  await server?.stop();
});

test('MariaDB: checkout, branches, merge, reset, revert, tags, history reads and remotes fail with UnsupportedOperationError; nothing changes', async (t) => {
  const chroma = await Chroma.embedded({ path: tempDir(t, 'repo-mariadb-chroma') });
  t.teardown(() => chroma.close());
  const store = await MysqlStore.connect({ url: server.url(await freshDatabase(server)) });
  t.teardown(() => store.close());
  const repo = await Repository.open({ chroma, store });
  await chroma.createCollection({ name: 'plain' });
  await repo.sync.writeDocuments('plain', [{ docId: 'a', content: 'alpha' }]);
  const staged = await repo.sync.stageLocalChanges('plain', { message: 'plain commit' });
  t.truthy(staged.commit, 'the sync itself still works on MariaDB');
  const queriesBefore = await store.queryCount();

  const refusals: Array<[string, () => Promise<unknown>]> = [
    ['checkout', () => repo.checkout('main')],
    ['branches', () => repo.branches()],
    ['createBranch', () => repo.createBranch('feature')],
    ['deleteBranch', () => repo.deleteBranch('feature')],
    ['renameBranch', () => repo.renameBranch('a1', 'b1')],
    ['merge', () => repo.merge('feature')],
    ['previewMerge', () => repo.previewMerge('feature')],
    ['reset', () => repo.reset()],
    ['revert', () => repo.revert('HEAD')],
    ['commit', () => repo.commit('all')],
    ['status', () => repo.status()],
    ['show', () => repo.show('HEAD')],
    ['documentAt', () => repo.documentAt('HEAD', 'plain', 'a')],
    ['collectionAt', () => repo.collectionAt('HEAD', 'plain')],
    ['tags', () => repo.tags()],
    ['createTag', () => repo.createTag('v1')],
    ['addRemote', () => repo.addRemote('origin', 'file:///tmp/x')],
    ['push', () => repo.push('origin')],
    ['pull', () => repo.pull('origin')],
  ];
  for (const [name, call] of refusals) {
    const error = await t.throwsAsync(call(), { instanceOf: UnsupportedOperationError }, name);
    t.is(error?.code, 'ERR_UNSUPPORTED_OPERATION', name);
    t.is(error?.dialect, 'mysql');
  }
  t.is(await store.queryCount(), queriesBefore, 'no refused operation reached the server');
  t.deepEqual([...(await store.documentHashes('plain')).keys()], ['a']);
});
