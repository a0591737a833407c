import test from 'ava';
import { AdminClient } from 'chromadb';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chroma } from '../../lib/chroma/chroma.js';
import { ChromaConnectionError, ChromaEmbeddingUnavailableError } from '../../lib/chroma/errors.js';
import { TimeoutError } from '../../lib/errors.js';
import { startChromaServer, type ChromaServer } from '../../lib/servers/chroma-server.js';
import { freeze, tempDir } from '../helpers/temp-dir.js';
import { chromaContract } from './contract.js';

let server: ChromaServer;
let serverDir: string;
test.before(async () => {
  serverDir = mkdtempSync(join(tmpdir(), 'se-chroma-server-'));
  server = await startChromaServer({ path: serverDir });
});
test.after.always(async () => {
  await server?.stop();
  rmSync(serverDir, { recursive: true, force: true });
});

/** Each test gets its own Chroma database on the shared server, so fixed collection names cannot clash. */
async function freshDatabase(port: number): Promise<string> {
  const name = `db_${randomBytes(6).toString('hex')}`;
  await new AdminClient({ host: '127.0.0.1', port, ssl: false }).createDatabase({ name, tenant: 'default_tenant' });
  return name;
}

chromaContract('remote', async (t) => {
  const chroma = await Chroma.remote({ host: server.host, port: server.port, database: await freshDatabase(server.port) });
  t.teardown(() => chroma.close());
  return chroma;
});

test.serial('remote: server killed mid-request gives a typed error promptly; works again once the server is back', async (t) => {
  const own = await startChromaServer({ path: tempDir(t, 'chroma-own') });
  t.teardown(() => own.stop());
  const chroma = await Chroma.remote({ host: own.host, port: own.port, executor: { timeoutMs: 20_000 } });
  t.teardown(() => chroma.close());
  await chroma.createCollection({ name: 'survives' });
  await chroma.add('survives', { ids: ['a'], documents: ['kept'] });
  await own.stop();
  const started = performance.now();
  await t.throwsAsync(chroma.count('survives'), { instanceOf: ChromaConnectionError });
  t.true(performance.now() - started < 5_000);
  await own.restart();
  t.is(await chroma.count('survives'), 1, 'data survived the SIGKILL; the session reconnects by itself');
});

test.serial('remote: a frozen server gives TimeoutError at the op deadline, not a hang; requests have their own deadline', async (t) => {
  const own = await startChromaServer({ path: tempDir(t, 'chroma-frozen') });
  t.teardown(async () => {
    own.process.signal('SIGCONT');
    await own.stop();
  });
  const chroma = await Chroma.remote({ host: own.host, port: own.port, requestTimeoutMs: 1_500 });
  t.teardown(() => chroma.close());
  await chroma.createCollection({ name: 'frozen' });
  await freeze(own.process.pid);
  const error = await t.throwsAsync(chroma.count('frozen', { timeoutMs: 500 }), { instanceOf: TimeoutError });
  t.is(error.phase, 'running');
  own.process.signal('SIGCONT');
  // The abandoned request ended at its own deadline (or was answered), so the session is free again.
  t.is(await chroma.count('frozen'), 0);
});

test('remote: Python-side embedding functions by name are refused with a typed error, at once and without a leak', async (t) => {
  const options = { host: server.host, port: server.port, embeddingFunction: 'sentence_transformer' };
  const error = await t.throwsAsync(Chroma.remote(options), { instanceOf: ChromaEmbeddingUnavailableError });
  t.regex(error.message, /embedded session only/);
  const chroma = await Chroma.remote({ host: server.host, port: server.port, database: await freshDatabase(server.port) });
  t.teardown(() => chroma.close());
  await t.throwsAsync(chroma.getCollection({ name: 'whatever', embeddingFunction: 'openai' }), {
    instanceOf: ChromaEmbeddingUnavailableError,
  });
});

test('remote: a request timeout beyond the timer limit or fractional still serves requests (Infinity: no per-request deadline)', async (t) => {
  for (const requestTimeoutMs of [Infinity, 2 ** 31 + 10, 1_500.5]) {
    const chroma = await Chroma.remote({ host: server.host, port: server.port, database: await freshDatabase(server.port), requestTimeoutMs });
    t.teardown(() => chroma.close());
    await chroma.createCollection({ name: 'timers' });
    t.is(await chroma.count('timers'), 0, String(requestTimeoutMs));
  }
});
