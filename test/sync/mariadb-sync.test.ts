import test from 'ava';
import { MysqlStore } from '../../lib/dolt/mysql-store.js';
import { startMariaDb, type MariaDbServer } from '../../lib/servers/mariadb-server.js';
import { freshDatabase } from '../helpers/mariadb.js';
import { syncGuarantees } from './guarantees.js';
import { syncScenarios } from './scenario.js';

let server: MariaDbServer;
test.before(async () => {
  server = await startMariaDb();
});
test.after.always(async () => {
  await server?.stop();
});

syncScenarios('chroma+mariadb', async (t) => {
  const store = await MysqlStore.connect({ url: server.url(await freshDatabase(server)) });
  t.teardown(() => store.close());
  return store;
});

syncGuarantees('chroma+mariadb', async (t) => {
  const store = await MysqlStore.connect({ url: server.url(await freshDatabase(server)) });
  t.teardown(() => store.close());
  return store;
});
