import test from 'ava';
import { rmSync, existsSync } from 'node:fs';
import { Chroma } from '../../lib/chroma/chroma.js';
import { ChromaEmbeddingUnavailableError } from '../../lib/chroma/errors.js';
import { FramedChild } from '../../lib/chroma/framed-child.js';
import { workerFile } from '../../lib/paths.js';
import { resolvePython } from '../../lib/python/discovery.js';
import { SessionCrashedError, TimeoutError } from '../../lib/errors.js';
import type { ExecutorOptions } from '../../lib/executor/options.js';
import { SessionExecutor, type RestartedEvent } from '../../lib/executor/session-executor.js';
import { sessionSpec } from '../../lib/session.js';
import type PythonChromaTestSession from '../fixtures/python-chroma-test-session.js';
import { nextEvent } from '../helpers/start-test-session.js';
import { isRunning, isZombie, tempDir } from '../helpers/temp-dir.js';
import { chromaContract } from './contract.js';

/** Offline and deterministic: chromadb's default model is looked for in an empty folder and never downloaded. */
const offline = (t: Parameters<typeof tempDir>[0]) => ({ allowModelDownload: false, modelCacheDir: tempDir(t, 'models') });

/** The embedded session with the test-only `sleep`, and the Chroma facade over it. */
async function startWithTestOps(path: string, executor?: ExecutorOptions) {
  const url = new URL('../fixtures/python-chroma-test-session.js', import.meta.url);
  const session = await SessionExecutor.start(sessionSpec<typeof PythonChromaTestSession>(url, { path }), executor);
  // The test session satisfies the ChromaOps contract (plus `sleep`): no cast needed.
  const chroma = await Chroma.over(session);
  return { chroma, session };
}

chromaContract('embedded', async (t) => {
  const chroma = await Chroma.embedded({ path: tempDir(t, 'chroma'), ...offline(t) });
  t.teardown(() => chroma.close());
  return chroma;
});

test('embedded: Python-side embedding functions by name: unknown or not installed is a typed error saying what to pass', async (t) => {
  const chroma = await Chroma.embedded({ path: tempDir(t, 'python-ef'), ...offline(t) });
  t.teardown(() => chroma.close());
  // Names whose construction needs no download: unknown, and one needing a package (and a key) this Python lacks.
  for (const name of ['no-such-function', 'openai']) {
    const col = await chroma.getOrCreateCollection({ name: `ef-${name.replace(/_/g, '-')}`, embeddingFunction: name });
    const error = await t.throwsAsync(col.add({ ids: ['a'], documents: ['text'] }), { instanceOf: ChromaEmbeddingUnavailableError });
    t.regex(error.message, new RegExp(name));
    t.regex(error.message, /embeddingFunction/);
    t.is(await col.count(), 0);
  }
  // The default's error names the folder where chromadb keeps its model.
  const fallback = await chroma.getOrCreateCollection({ name: 'ef-default', embeddingFunction: 'default' });
  const missing = await t.throwsAsync(fallback.query({ queryTexts: ['x'] }), { instanceOf: ChromaEmbeddingUnavailableError });
  t.regex(missing.message, /all-MiniLM-L6-v2/);
  t.regex(missing.message, /allowModelDownload: false/);
});

test('embedded: the Python host runs only the operations of its table (no attribute of the session is reachable)', async (t) => {
  const path = tempDir(t, 'op-table');
  const child = new FramedChild(await resolvePython(), [workerFile('chroma_host.py')], { ...process.env, ANONYMIZED_TELEMETRY: 'False' });
  t.teardown(() => child.stop(5_000));
  t.truthy((await child.request({ op: 'open', args: { path } })).ok);
  for (const op of ['_write', '__init__', 'collection', 'embedders', '__class__', 'client', 42]) {
    const reply = await child.request({ op, args: { collection: 'x' } });
    t.is(reply.error?.kind, 'invalid_argument', `op ${String(op)}`);
    t.regex(reply.error!.message, /unknown operation/);
  }
  t.is((await child.request({ op: 'count', args: { collection: 'absent' } })).error?.kind, 'collection_not_found');
  t.deepEqual((await child.request({ op: 'list_collections', args: {} })).ok, []);
});

test('5 create/use/close cycles on fresh directories: no "already exists", no process left, directory removable', async (t) => {
  for (let cycle = 0; cycle < 5; cycle++) {
    const path = tempDir(t, `cycle${cycle}`);
    const chroma = await Chroma.embedded({ path });
    const pid = await chroma.executor.call('pid', undefined);
    await chroma.createCollection({ name: 'same-name-every-time', temporary: true });
    await chroma.add('same-name-every-time', { ids: ['a'], documents: ['x'] });
    t.is(await chroma.count('same-name-every-time'), 1);
    await chroma.close();
    t.false(isRunning(pid!), `cycle ${cycle}: the Python process is gone`);
    rmSync(path, { recursive: true });
    t.false(existsSync(path));
  }
});

test('temporary collections are deleted on close; others persist across sessions', async (t) => {
  const path = tempDir(t, 'persist');
  const first = await Chroma.embedded({ path });
  await first.createCollection({ name: 'keep-me' });
  await first.createCollection({ name: 'drop-me', temporary: true });
  await first.add('keep-me', { ids: ['k1'], documents: ['kept'] });
  await first.close();
  const second = await Chroma.embedded({ path });
  t.teardown(() => second.close());
  t.deepEqual((await second.listCollections()).map((c) => c.name), ['keep-me']);
  t.deepEqual((await second.get('keep-me', { ids: ['k1'] })).documents, ['kept']);
});

test('closeTimeoutMs: Infinity (or past the timer limit) lets Python close cleanly: temporary collections are deleted', async (t) => {
  const path = tempDir(t, 'close-forever');
  for (const closeTimeoutMs of [Infinity, 2 ** 31 + 10]) {
    const chroma = await Chroma.embedded({ path, closeTimeoutMs });
    await chroma.createCollection({ name: 'drop-me', temporary: true });
    await chroma.close();
    const again = await Chroma.embedded({ path });
    t.deepEqual(await again.listCollections(), [], `closeTimeoutMs ${closeTimeoutMs}: Python ran its close`);
    await again.close();
  }
});

test('wedged Python: caller times out, the child is SIGKILLed at the hard deadline, data survives, next op works', async (t) => {
  const path = tempDir(t, 'wedge');
  const { chroma, session } = await startWithTestOps(path, { hardDeadlineMs: 1_500 });
  t.teardown(() => chroma.close());
  await chroma.createCollection({ name: 'survivor' });
  await chroma.add('survivor', { ids: ['s1'], documents: ['committed before the wedge'] });
  const pid = (await chroma.executor.call('pid', undefined))!;
  const restarted = nextEvent<RestartedEvent>(chroma.executor, 'restarted');
  const wedged = session.call('sleep', 600, { timeoutMs: 300 });
  t.is((await t.throwsAsync(wedged, { instanceOf: TimeoutError })).phase, 'running');
  t.is((await restarted).reason, 'wedged');
  t.false(isRunning(pid), 'the wedged Python process was killed');
  t.false(isZombie(pid), 'and reaped: the old owner thread was given time to reap it before it ended');
  t.deepEqual((await chroma.get('survivor', { ids: ['s1'] })).documents, ['committed before the wedge']);
  t.not(await chroma.executor.call('pid', undefined), pid);
});

test('Python killed from outside: the in-flight op fails fast with a crash error, the executor restarts it', async (t) => {
  const { chroma, session } = await startWithTestOps(tempDir(t, 'killed'));
  t.teardown(() => chroma.close());
  await chroma.createCollection({ name: 'killed-col', temporary: true });
  const pid = (await chroma.executor.call('pid', undefined))!;
  const restarted = nextEvent<RestartedEvent>(chroma.executor, 'restarted');
  const inFlight = session.call('sleep', 30, { timeoutMs: 60_000 });
  setTimeout(() => process.kill(pid, 'SIGKILL'), 100);
  const started = performance.now();
  const error = await t.throwsAsync(inFlight, { instanceOf: SessionCrashedError });
  t.true(performance.now() - started < 5_000, 'rejected promptly, not at the op deadline');
  t.regex(String((error.cause as Error).message), /SIGKILL/);
  t.is((await restarted).reason, 'crashed');
  t.is(await chroma.count('killed-col'), 0);
});
