import test from 'ava';
import { AdminClient } from 'chromadb';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chroma } from '../../lib/chroma/chroma.js';
import { startChromaServer, type ChromaServer } from '../../lib/servers/chroma-server.js';
import { repositoryScenarios } from './scenario.js';

let server: ChromaServer;
let serverDir: string;
test.before(async () => {
  serverDir = mkdtempSync(join(tmpdir(), 'se-repo-chroma-server-'));
  // A generous start deadline: the suite runs many servers and Python hosts at once on two vCPUs.
  server = await startChromaServer({ path: serverDir, readyTimeoutMs: 120_000 });
});
test.after.always(async () => {
  await server?.stop();
  rmSync(serverDir, { recursive: true, force: true });
});

repositoryScenarios('DoltLite + remote Chroma', async (t) => {
  // Each test gets its own Chroma database on the shared server: every collection in it is the working copy.
  const database = `db_${randomBytes(6).toString('hex')}`;
  await new AdminClient({ host: server.host, port: server.port, ssl: false }).createDatabase({ name: database, tenant: 'default_tenant' });
  const chroma = await Chroma.remote({ host: server.host, port: server.port, database });
  t.teardown(() => chroma.close());
  return chroma;
});
