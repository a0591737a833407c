import test from 'ava';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RemoteError, SerializationError, SessionOpenError, UnknownOpError } from '../lib/errors.js';
import { SessionExecutor } from '../lib/executor/session-executor.js';
import { sessionSpec } from '../lib/session.js';
import type TestSession from './fixtures/test-session.js';
import { startTestSession, testSessionUrl } from './helpers/start-test-session.js';

test('ops run and return typed results; the session is the one opened', async (t) => {
  const exec = await startTestSession({}, { tag: 'hello' });
  t.teardown(() => exec.close());
  t.is(await exec.call('tag', undefined), 'hello');
  t.deepEqual(await exec.call('echo', { a: [1, 2], b: new Map([[1, 'x']]) }), { a: [1, 2], b: new Map([[1, 'x']]) });
  t.is(await exec.call('delay', 5), 5);
});

test('30 ops queued in one tick run in FIFO order, none lost, saturation recorded', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const saturated: number[] = [];
  exec.on('saturated', (event) => saturated.push(event.depth));
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => exec.call('record', i)));
  t.deepEqual(results, Array.from({ length: 30 }, (_, i) => i));
  t.deepEqual(await exec.call('log', undefined), Array.from({ length: 30 }, (_, i) => i));
  const stats = exec.stats();
  t.true(stats.highWater >= 30);
  t.deepEqual(saturated, [10], 'one saturation episode, reported when the depth reached the high mark');
  t.deepEqual(
    stats.saturation.events.map((e) => e.type),
    ['saturated', 'drained'],
  );
  t.is(stats.saturation.events[0]!.waitingOps![0]!.op, 'record');
  t.is(stats.ops['record']!.ok, 30);
  t.is(stats.queued + stats.inFlight, 0);
});

test('10,000 ops queued at once all complete in order', async (t) => {
  const exec = await startTestSession({ maxQueue: 20_000 });
  t.teardown(() => exec.close());
  const n = 10_000;
  const results = await Promise.all(Array.from({ length: n }, (_, i) => exec.call('record', i)));
  t.is(results.length, n);
  t.true(results.every((value, i) => value === i));
  const log = await exec.call('log', undefined);
  t.is(log.length, n);
  t.true(log.every((value, i) => value === i), 'the session observed FIFO order');
  const stats = exec.stats();
  t.is(stats.highWater, n);
  t.is(stats.ops['record']!.ok, n);
  t.true(stats.ops['record']!.runMs.count > 0);
  t.is(stats.saturation.events.filter((e) => e.type === 'saturated').length, 1);
});

test('errors thrown by ops keep name, message, code, stack and cause', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const sync = await t.throwsAsync(exec.call('throwSync', undefined), { instanceOf: RemoteError });
  t.is(sync.remoteName, 'RangeError');
  t.is(sync.message, 'bad range');
  t.is(sync.code, 'E_RANGE');
  t.regex(sync.stack!, /throwSync|test-session/);

  const async = await t.throwsAsync(exec.call('throwAsync', undefined), { instanceOf: RemoteError });
  t.is(async.message, 'outer');
  t.true(async.cause instanceof RemoteError);
  t.is((async.cause as RemoteError).code, 'E_INNER');
  t.is((async.cause as RemoteError).message, 'inner');

  const str = await t.throwsAsync(exec.call('throwString', undefined), { instanceOf: RemoteError });
  t.is(str.remoteName, 'NonError');
  t.is(str.message, 'just a string');

  await t.throwsAsync(exec.call('nope' as 'noop', undefined), { instanceOf: UnknownOpError, code: 'ERR_SESSION_UNKNOWN_OP' });
  t.is(await exec.call('echo', 'still fine'), 'still fine');
  t.is(exec.stats().ops['throwSync']!.error, 1);
});

test('uncloneable arguments and results fail only their own call, naming the op', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const [before, badArg, after] = await Promise.allSettled([
    exec.call('echo', 1),
    exec.call('echo', { fn: () => 2 }, { label: 'echoFunction' }),
    exec.call('echo', 3),
  ]);
  t.deepEqual(before, { status: 'fulfilled', value: 1 });
  t.deepEqual(after, { status: 'fulfilled', value: 3 });
  t.is(badArg.status, 'rejected');
  const argError = (badArg as PromiseRejectedResult).reason as SerializationError;
  t.true(argError instanceof SerializationError);
  t.is(argError.direction, 'argument');
  t.regex(argError.message, /echoFunction/);

  const [resultError, next] = await Promise.allSettled([exec.call('uncloneable', undefined), exec.call('echo', 4)]);
  t.true((resultError as PromiseRejectedResult).reason instanceof SerializationError);
  t.is(((resultError as PromiseRejectedResult).reason as SerializationError).direction, 'result');
  t.regex(((resultError as PromiseRejectedResult).reason as Error).message, /uncloneable/);
  t.deepEqual(next, { status: 'fulfilled', value: 4 });
});

test('a batch runs back to back with nothing interleaved, one outcome per op', async (t) => {
  const exec = await startTestSession({ concurrency: 4 });
  t.teardown(() => exec.close());
  const interleaver = exec.call('record', 100);
  const batch = exec.batch([
    { op: 'record', arg: 1 },
    { op: 'delay', arg: 20 },
    { op: 'throwSync', arg: undefined },
    { op: 'record', arg: 2 },
  ]);
  const after = exec.call('record', 200);
  const outcomes = await batch;
  await Promise.all([interleaver, after]);
  t.deepEqual(outcomes[0], { ok: true, value: 1 });
  t.deepEqual(outcomes[1], { ok: true, value: 20 });
  t.false(outcomes[2]!.ok);
  t.is((outcomes[2] as { error: RemoteError }).error.code, 'E_RANGE');
  t.deepEqual(outcomes[3], { ok: true, value: 2 });
  t.deepEqual(await exec.call('log', undefined), [100, 1, 2, 200]);
});

test('concurrency > 1 overlaps async ops, and 1 never does', async (t) => {
  const parallel = await startTestSession({ concurrency: 8 });
  const serial = await startTestSession();
  t.teardown(() => Promise.all([parallel.close(), serial.close()]));
  const overlapped = await Promise.all(Array.from({ length: 8 }, () => parallel.call('overlap', 50)));
  t.is(Math.max(...overlapped), 8);
  const sequential = await Promise.all(Array.from({ length: 4 }, () => serial.call('overlap', 5)));
  t.is(Math.max(...sequential), 1);
});

test('saturation warnings go to the logger at most every warnEveryMs, naming the depth and the waiting ops', async (t) => {
  const warnings: Array<{ context: object; message: string }> = [];
  const ignore = () => {};
  const logger = { debug: ignore, info: ignore, error: ignore, warn: (context: object, message: string) => warnings.push({ context, message }) };
  const exec = await startTestSession({ logger, saturation: { high: 3, low: 1, warnEveryMs: 60_000 } });
  t.teardown(() => exec.close());
  await Promise.all(Array.from({ length: 5 }, (_, i) => exec.call('record', i)));
  await Promise.all(Array.from({ length: 5 }, (_, i) => exec.call('record', i)));
  const events = exec.stats().saturation.events;
  t.deepEqual(events.map((e) => e.type), ['saturated', 'drained', 'saturated', 'drained'], 'every episode is recorded');
  t.is(warnings.length, 1, 'but warned once within warnEveryMs');
  t.regex(warnings[0]!.message, /saturated: 3 operations pending \(record x3\)/);
  t.like(warnings[0]!.context, { depth: 3, high: 3 });
});

test('sessionSpec: a path is relative to the working directory, not to the package; a bad module is a TypeError', async (t) => {
  const absolute = fileURLToPath(testSessionUrl);
  const relativePath = relative(process.cwd(), absolute);
  for (const module of [absolute, relativePath.startsWith('.') ? relativePath : `./${relativePath}`]) {
    const exec = await SessionExecutor.start(sessionSpec<typeof TestSession>(module, { tag: 'by path' }));
    t.is(await exec.call('tag', undefined), 'by path', module);
    await exec.close();
  }
  for (const module of ['', 42, null, undefined]) {
    t.throws(() => sessionSpec(module as never, {}), { instanceOf: TypeError, message: /sessionSpec: module/ });
  }
  const missing = await t.throwsAsync(SessionExecutor.start(sessionSpec('./no-such-session.js', {})), { instanceOf: SessionOpenError });
  t.regex(missing!.message, /Cannot find module .*no-such-session\.js/, 'the message says why');
});
