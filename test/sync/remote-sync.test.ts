/**
 * The sync suites against remote Chroma (a `chroma run` server on loopback, each test in its own database):
 * there, page summaries are made on the session's owner thread rather than in the Python host, and every
 * guarantee, level and odd collection must hold the same way.
 */
import test from 'ava';
import { AdminClient } from 'chromadb';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chroma } from '../../lib/chroma/chroma.js';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { startChromaServer, type ChromaServer } from '../../lib/servers/chroma-server.js';
import type { OpenChroma } from '../helpers/open-chroma.js';
import { syncGuarantees } from './guarantees.js';
import { syncLevels } from './levels.js';
import { syncMetadata } from './metadata.js';
import { syncOddCollections } from './odd-collections.js';
import { syncScenarios } from './scenario.js';
import { stageStreamScenarios } from './stage-stream.js';

let server: ChromaServer;
let serverDir: string;
test.before(async () => {
  serverDir = mkdtempSync(join(tmpdir(), 'se-sync-chroma-server-'));
  // A generous start deadline: the suite runs many servers and Python hosts at once on two vCPUs.
  server = await startChromaServer({ path: serverDir, readyTimeoutMs: 120_000 });
});
test.after.always(async () => {
  await server?.stop();
  rmSync(serverDir, { recursive: true, force: true });
});

const openRemoteChroma: OpenChroma = async (t, _label, options = {}) => {
  const database = `db_${randomBytes(6).toString('hex')}`;
  await new AdminClient({ host: server.host, port: server.port, ssl: false }).createDatabase({ name: database, tenant: 'default_tenant' });
  const chroma = await Chroma.remote({ host: server.host, port: server.port, database, executor: options });
  t.teardown(() => chroma.close());
  return chroma;
};

const openStore = async (t: Parameters<OpenChroma>[0]) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  return store;
};

syncScenarios('remote chroma+doltlite', openStore, openRemoteChroma);
syncGuarantees('remote chroma+doltlite', openStore, openRemoteChroma, { pythonHost: false });
syncLevels('remote chroma+doltlite', openStore, openRemoteChroma);
syncOddCollections('remote chroma+doltlite', openStore, openRemoteChroma);
syncMetadata('remote chroma+doltlite', openStore, openRemoteChroma);
stageStreamScenarios('remote chroma+doltlite', openStore, openRemoteChroma);
