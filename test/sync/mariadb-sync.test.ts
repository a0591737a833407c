import test from 'ava';
import mysql from 'mysql2/promise';
import { Chroma } from '../../lib/chroma/chroma.js';
import { DocumentTooLargeError } from '../../lib/dolt/errors.js';
import { MysqlStore } from '../../lib/dolt/mysql-store.js';
import { startMariaDb, type MariaDbServer } from '../../lib/servers/mariadb-server.js';
import { ChromaDoltSync } from '../../lib/sync/chroma-dolt-sync.js';
import { freshDatabase } from '../helpers/mariadb.js';
import { tempDir } from '../helpers/temp-dir.js';
import { syncGuarantees } from './guarantees.js';
import { syncLevels } from './levels.js';
import { syncMetadata } from './metadata.js';
import { syncScenarios } from './scenario.js';
import { stageStreamScenarios } from './stage-stream.js';

/** A tight packet limit (the default is 16 MiB), so every scenario here runs with statements cut by bytes. */
const PACKET = 1024 * 1024;

let server: MariaDbServer;
test.before(async () => {
  server = await startMariaDb();
  const admin = await mysql.createConnection(server.url('mysql'));
  await admin.query('SET GLOBAL max_allowed_packet = ?', [PACKET]);
  await admin.end();
});
test.after.always(async () => {
  await server?.stop();
});

async function openStore(t: { teardown(fn: () => unknown): void }) {
  const store = await MysqlStore.connect({ url: server.url(await freshDatabase(server)) });
  t.teardown(() => store.close());
  return store;
}

syncScenarios('chroma+mariadb', openStore);
stageStreamScenarios('chroma+mariadb', openStore);
syncGuarantees('chroma+mariadb', openStore);
syncLevels('chroma+mariadb', openStore);
syncMetadata('chroma+mariadb', openStore);

test('chroma+mariadb: a corpus larger than the packet stages; a document larger than the packet is refused before Chroma is written', async (t) => {
  const chroma = await Chroma.embedded({ path: tempDir(t, 'packet') });
  t.teardown(() => chroma.close());
  const store = await openStore(t);
  const sync = new ChromaDoltSync(chroma, store);
  await chroma.createCollection({ name: 'corpus' });
  const docs = Array.from({ length: 300 }, (_, i) => ({ docId: `src/${i}.ts`, content: `// file ${i}\n${"const s = 'x';\n".repeat(350)}` }));
  await sync.writeDocuments('corpus', docs);
  const staged = await sync.stageLocalChanges('corpus', { message: 'a 1.5 MB corpus' });
  t.is(staged.added.length, 300);
  t.is((await store.documentHashes('corpus')).size, 300);

  const before = await chroma.count('corpus');
  await t.throwsAsync(
    sync.writeDocuments('corpus', [{ docId: 'src/0.ts', content: 'edited' }, { docId: 'huge.bin', content: 'z'.repeat(PACKET) }]),
    { instanceOf: DocumentTooLargeError },
  );
  t.is(await chroma.count('corpus'), before, 'nothing written');
  t.deepEqual((await sync.detectLocalChanges('corpus')).modified, []);
});
