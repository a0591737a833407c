import test from 'ava';
import { AdminClient } from 'chromadb';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChromaServer, type ChromaServer } from '../../lib/servers/chroma-server.js';

/**
 * One `chroma run` server on loopback for a whole test file (started before its tests, stopped and removed
 * after them); each test takes a database of its own, so fixed collection names cannot clash.
 */
export function sharedChromaServer(label: string): { server: () => ChromaServer; freshDatabase: () => Promise<string> } {
  let server: ChromaServer | undefined;
  let serverDir: string | undefined;
  test.before(async () => {
    serverDir = mkdtempSync(join(tmpdir(), `se-${label}-server-`));
    // A generous start deadline: the suite runs many servers and Python hosts at once on two vCPUs.
    server = await startChromaServer({ path: serverDir, readyTimeoutMs: 120_000 });
  });
  test.after.always(async () => {
    await server?.stop();
    if (serverDir) rmSync(serverDir, { recursive: true, force: true });
  });
  const running = () => {
    if (!server) throw new Error('the shared Chroma server is not running');
    return server;
  };
  return {
    server: running,
    async freshDatabase() {
      const { host, port } = running();
      const name = `db_${randomBytes(6).toString('hex')}`;
      await new AdminClient({ host, port, ssl: false }).createDatabase({ name, tenant: 'default_tenant' });
      return name;
    },
  };
}
