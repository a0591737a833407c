/**
 * The embedded session keeps the next request in the Python host's input while the host runs the current one
 * (the owner hands it two operations at once): the host still runs them one at a time and in order, each
 * operation gets its own reply or error, and a crash or a wedge rejects both with typed errors.
 */
import test from 'ava';
import { Chroma, EMBEDDED_PIPELINE_DEPTH } from '../../lib/chroma/chroma.js';
import { CollectionNotFoundError } from '../../lib/chroma/errors.js';
import { SessionCrashedError, TimeoutError } from '../../lib/errors.js';
import type { ExecutorOptions } from '../../lib/executor/options.js';
import { SessionExecutor, type RestartedEvent } from '../../lib/executor/session-executor.js';
import { sessionSpec } from '../../lib/session.js';
import type PythonChromaTestSession from '../fixtures/python-chroma-test-session.js';
import { nextEvent } from '../helpers/start-test-session.js';
import { isRunning, tempDir } from '../helpers/temp-dir.js';

/** The embedded session with the test-only operations, at the embedded client's depth unless told otherwise. */
async function start(path: string, executor: ExecutorOptions = {}) {
  const url = new URL('../fixtures/python-chroma-test-session.js', import.meta.url);
  const session = await SessionExecutor.start(sessionSpec<typeof PythonChromaTestSession>(url, { path }), {
    concurrency: EMBEDDED_PIPELINE_DEPTH,
    ...executor,
  });
  const chroma = await Chroma.over(session);
  return { chroma, session };
}

/** Ids enough for a request larger than the host's input buffer, so part of it stays in the pipe. */
const manyIds = Array.from({ length: 2_000 }, (_, i) => `some-record-id-${i}`);

test.serial('Chroma.embedded hands the host two operations at once by default; an explicit concurrency is kept', async (t) => {
  const seen: Array<ExecutorOptions | undefined> = [];
  const original = SessionExecutor.start;
  SessionExecutor.start = ((spec: Parameters<typeof original>[0], options?: ExecutorOptions) => {
    seen.push(options);
    return original.call(SessionExecutor, spec, options);
  }) as typeof original;
  try {
    const byDefault = await Chroma.embedded({ path: tempDir(t, 'depth-default') });
    await byDefault.close();
    const chosen = await Chroma.embedded({ path: tempDir(t, 'depth-chosen'), executor: { concurrency: 1, timeoutMs: 60_000 } });
    await chosen.close();
  } finally {
    SessionExecutor.start = original;
  }
  t.is(EMBEDDED_PIPELINE_DEPTH, 2);
  t.is(seen[0]?.concurrency, 2);
  t.is(seen[1]?.concurrency, 1);
  t.is(seen[1]?.timeoutMs, 60_000);
});

test('two in flight: the next request reaches the host while it runs the current one; at depth 1 it does not', async (t) => {
  const { chroma, session } = await start(tempDir(t, 'arrives'));
  t.teardown(() => chroma.close());
  await chroma.createCollection({ name: 'arrives' });
  // Both called in one tick: the second is sent while the host still runs the first.
  const [arrived, read] = await Promise.all([session.call('nextRequestArrived', 60), chroma.get('arrives', { ids: manyIds })]);
  t.true(arrived);
  t.deepEqual(read.ids, []);

  const one = await start(tempDir(t, 'one-at-a-time'), { concurrency: 1 });
  t.teardown(() => one.chroma.close());
  await one.chroma.createCollection({ name: 'arrives' });
  const [waited, alsoRead] = await Promise.all([one.session.call('nextRequestArrived', 0.5), one.chroma.get('arrives', { ids: manyIds })]);
  t.false(waited, 'one at a time, the next request is sent only after the reply');
  t.deepEqual(alsoRead.ids, []);
});

test('two in flight: operations run in call order and each gets its own reply or error', async (t) => {
  const { chroma } = await start(tempDir(t, 'order'));
  t.teardown(() => chroma.close());
  await chroma.createCollection({ name: 'order' });
  const calls = [
    chroma.add('order', { ids: ['a'], documents: ['first'], embeddings: [[1, 0]] }),
    chroma.count('missing-collection'),
    chroma.upsert('order', { ids: ['a'], documents: ['second'], embeddings: [[0, 1]] }),
    chroma.count('order'),
    chroma.get('order', { ids: ['a'], include: ['documents'] }),
  ];
  const settled = await Promise.allSettled(calls);
  t.is(settled[0]!.status, 'fulfilled');
  t.true(settled[1]!.status === 'rejected' && settled[1].reason instanceof CollectionNotFoundError);
  t.is(settled[2]!.status, 'fulfilled');
  t.deepEqual(settled[3], { status: 'fulfilled', value: 1 });
  t.deepEqual((settled[4] as PromiseFulfilledResult<{ documents: string[] }>).value.documents, ['second']);
});

test('two in flight: the host killed mid-operation rejects both with a crash error at once, and the session restarts', async (t) => {
  const { chroma, session } = await start(tempDir(t, 'killed'));
  t.teardown(() => chroma.close());
  await chroma.createCollection({ name: 'killed', temporary: true });
  const pid = (await chroma.executor.call('pid', undefined))!;
  const restarted = nextEvent<RestartedEvent>(chroma.executor, 'restarted');
  const running = session.call('sleep', 30, { timeoutMs: 60_000 });
  const waiting = chroma.count('killed', { timeoutMs: 60_000 });
  setTimeout(() => process.kill(pid, 'SIGKILL'), 100);
  const started = performance.now();
  await t.throwsAsync(running, { instanceOf: SessionCrashedError });
  await t.throwsAsync(waiting, { instanceOf: SessionCrashedError });
  t.true(performance.now() - started < 5_000, 'rejected promptly, not at the op deadline');
  t.is((await restarted).reason, 'crashed');
  t.false(isRunning(pid));
  t.is(await chroma.count('killed'), 0);
});

test('two in flight: a wedged host is killed at the hard deadline; both callers get typed errors, the next op works', async (t) => {
  const { chroma, session } = await start(tempDir(t, 'wedged'), { hardDeadlineMs: 1_500 });
  t.teardown(() => chroma.close());
  await chroma.createCollection({ name: 'survivor' });
  await chroma.add('survivor', { ids: ['s1'], documents: ['written before the wedge'], embeddings: [[1, 0]] });
  const restarted = nextEvent<RestartedEvent>(chroma.executor, 'restarted');
  const wedged = session.call('sleep', 600, { timeoutMs: 300 });
  const behind = chroma.count('survivor', { timeoutMs: 30_000 });
  t.is((await t.throwsAsync(wedged, { instanceOf: TimeoutError })).phase, 'running');
  const error = await t.throwsAsync(behind);
  t.true(error instanceof SessionCrashedError || error instanceof TimeoutError, `a typed error: ${error?.name}`);
  t.is((await restarted).reason, 'wedged');
  t.deepEqual((await chroma.get('survivor', { ids: ['s1'] })).documents, ['written before the wedge']);
});
