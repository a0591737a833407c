/**
 * Ops that cooperate with their caller (signal, progress), and outcomes that reach the caller whatever the op
 * did: hostile errors, uncloneable results in a batch, shared signals, close while running.
 */
import test from 'ava';
import { getEventListeners } from 'node:events';
import { AbortError, ClosedError, RemoteError, TimeoutError, UnknownOpError } from '../lib/errors.js';
import { startTestSession } from './helpers/start-test-session.js';

test('a running op sees its caller\'s deadline and abort through its signal, with the matching reason', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  await t.throwsAsync(exec.call('untilAborted', undefined, { timeoutMs: 100 }), { instanceOf: TimeoutError });
  const controller = new AbortController();
  const aborted = exec.call('untilAborted', undefined, { signal: controller.signal });
  setImmediate(() => controller.abort());
  await t.throwsAsync(aborted, { instanceOf: AbortError });
  t.deepEqual(await exec.call('aborts', undefined), ['ERR_SESSION_TIMEOUT', 'ERR_SESSION_ABORTED']);
  t.is(exec.stats().restarts, 0, 'cooperation is not a restart');
});

test('progress reports arrive in order, before the result, for async and sync ops and batches', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const seen: unknown[] = [];
  const result = await exec.call('countTo', 5, { onProgress: (value) => seen.push(value) });
  t.is(result, 5);
  t.deepEqual(seen, [1, 2, 3, 4, 5]);

  const sync: unknown[] = [];
  t.is(await exec.call('countToSync', 3, { onProgress: (value) => sync.push(value) }), 3);
  t.deepEqual(sync, [1, 2, 3]);

  const fromBatch: unknown[] = [];
  const outcomes = await exec.batch(
    [
      { op: 'countTo', arg: 2 },
      { op: 'countToSync', arg: 2 },
    ],
    { onProgress: (value) => fromBatch.push(value) },
  );
  t.deepEqual(outcomes, [
    { ok: true, value: 2 },
    { ok: true, value: 2 },
  ]);
  t.deepEqual(fromBatch, [1, 2, 1, 2]);
});

test('no onProgress: reports are dropped in the owner (even uncloneable ones); with it, an uncloneable one is dropped and logged', async (t) => {
  const warnings: string[] = [];
  const ignore = () => {};
  const logger = { debug: ignore, info: ignore, error: ignore, warn: (_: object, message: string) => warnings.push(message) };
  const exec = await startTestSession({ logger });
  t.teardown(() => exec.close());
  t.is(await exec.call('countTo', 3), 3);
  t.is(await exec.call('badProgress', undefined), 'done');
  t.deepEqual(warnings, []);
  const seen: unknown[] = [];
  t.is(await exec.call('badProgress', undefined, { onProgress: (value) => seen.push(value) }), 'done');
  t.deepEqual(seen, ['fine']);
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, /progress report could not be sent/);
});

test('no progress reaches the caller after it gave up, and a throwing onProgress breaks nothing', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const seen: unknown[] = [];
  await t.throwsAsync(
    exec.call('progressAfterAbort', undefined, { timeoutMs: 200, onProgress: (value) => seen.push(value) }),
    { instanceOf: TimeoutError },
  );
  const settledAt = seen.length;
  t.is(await exec.call('echo', 'next'), 'next'); // runs after progressAfterAbort finished
  t.is(seen.length, settledAt);
  t.false(seen.includes('after'));

  const thrown = await exec.call('countTo', 2, {
    onProgress: () => {
      throw new Error('listener bug');
    },
  });
  t.is(thrown, 2);
});

test('errors that cannot be read or cloned still arrive as RemoteErrors; the owner survives', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const hostile = await t.throwsAsync(exec.call('throwHostile', undefined), { instanceOf: RemoteError });
  t.is(hostile.code, 'ERR_SESSION_REMOTE', 'an unreadable code is left out');
  t.regex(hostile.message, /could not be read/);
  const revoked = await t.throwsAsync(exec.call('throwRevoked', undefined), { instanceOf: RemoteError });
  t.is(revoked.remoteName, 'NonError');
  const details = await t.throwsAsync(exec.call('throwUncloneableDetails', undefined), { instanceOf: RemoteError });
  t.is(details.code, 'E_DETAILS');
  t.is(details.message, 'with a function inside');
  const [inBatch] = await exec.batch([{ op: 'throwHostile', arg: undefined }]);
  t.false(inBatch!.ok);
  t.true((inBatch as { error: RemoteError }).error instanceof RemoteError);
  t.is(exec.stats().restarts, 0);
  t.is(await exec.call('echo', 'alive'), 'alive');
});

test('batch(): one outcome per op whatever the others did (uncloneable result, unknown op, throw)', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const outcomes = await exec.batch([
    { op: 'record', arg: 1 },
    { op: 'uncloneable', arg: undefined },
    { op: 'nope' as 'noop', arg: undefined },
    { op: 'throwSync', arg: undefined },
    { op: 'record', arg: 2 },
  ]);
  t.deepEqual(outcomes[0], { ok: true, value: 1 });
  t.false(outcomes[1]!.ok);
  t.is((outcomes[1] as { error: RemoteError }).error.code, 'ERR_SESSION_SERIALIZATION');
  t.true((outcomes[1] as { error: RemoteError }).error instanceof RemoteError);
  t.true((outcomes[2] as { error: RemoteError }).error instanceof UnknownOpError);
  t.is((outcomes[3] as { error: RemoteError }).error.code, 'E_RANGE');
  t.deepEqual(outcomes[4], { ok: true, value: 2 });
  t.deepEqual(await exec.call('log', undefined), [1, 2]);
  t.deepEqual(await exec.batch([{ op: 'nope' as 'noop', arg: undefined }]).then((o) => o.map((x) => x.ok)), [false]);
  const withBadArgument = await exec.batch([
    { op: 'echo', arg: 'a' },
    { op: 'echo', arg: { fn: () => 1 } },
    { op: 'echo', arg: 'c' },
  ]);
  t.deepEqual(withBadArgument[0], { ok: true, value: 'a' });
  t.is((withBadArgument[1] as { error: RemoteError }).error.code, 'ERR_SESSION_SERIALIZATION');
  t.regex((withBadArgument[1] as { error: RemoteError }).error.message, /argument of "echo"/);
  t.deepEqual(withBadArgument[2], { ok: true, value: 'c' });
});

test('one signal shared by many calls adds one listener per executor, removed when they settle', async (t) => {
  const exec = await startTestSession({ maxInFlight: 1 });
  t.teardown(() => exec.close());
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  t.teardown(() => process.off('warning', onWarning));

  const done = new AbortController();
  await Promise.all(Array.from({ length: 50 }, (_, i) => exec.call('echo', i, { signal: done.signal })));
  t.is(getEventListeners(done.signal, 'abort').length, 0, 'nothing left on a signal once its calls settled');

  const controller = new AbortController();
  const calls: Array<Promise<unknown>> = [exec.call('untilAborted', undefined, { signal: controller.signal })];
  for (let i = 1; i < 50; i++) calls.push(exec.call('delay', 1, { signal: controller.signal }));
  t.is(getEventListeners(controller.signal, 'abort').length, 1);
  controller.abort();
  const settled = await Promise.allSettled(calls);
  t.true(settled.every((s) => s.status === 'rejected' && s.reason instanceof AbortError));
  t.is(getEventListeners(controller.signal, 'abort').length, 0);
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning'), []);
});

test('ClosedError tells an op that never ran from one abandoned while running', async (t) => {
  const exec = await startTestSession({ hardDeadlineMs: Infinity, timeoutMs: Infinity, maxInFlight: 2 });
  const running = exec.call('spinForever', undefined);
  const sentNotStarted = exec.call('record', 1);
  const queued = exec.call('record', 2);
  await new Promise((resolve) => setImmediate(resolve));
  await exec.close({ timeoutMs: 200 });
  const abandoned = await t.throwsAsync(running, { instanceOf: ClosedError });
  t.true(abandoned.started);
  t.regex(abandoned.message, /was running; its result was abandoned/);
  for (const neverRan of [sentNotStarted, queued]) {
    const error = await t.throwsAsync(neverRan, { instanceOf: ClosedError });
    t.false(error.started);
    t.regex(error.message, /did not run/);
  }
  const after = await t.throwsAsync(exec.call('echo', 1), { instanceOf: ClosedError });
  t.false(after.started);
});

test('batch() with something other than an array rejects with ERR_INVALID_ARG_TYPE and runs nothing', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  for (const ops of ['record', null, undefined, 5, { op: 'record', arg: 1 }]) {
    await t.throwsAsync(exec.batch(ops as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /batch: ops must be an array/ }, String(ops));
  }
  t.deepEqual(await exec.call('log', undefined), []);
});

test('batch(): a hole, a non-object or an item that throws when read fails alone; the rest run', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const hostile = {
    get op(): string {
      throw new Error('op cannot be read');
    },
    arg: undefined,
  };
  const { proxy, revoke } = Proxy.revocable({ op: 'record', arg: 9 }, {});
  revoke();
  // eslint-disable-next-line no-sparse-arrays
  const ops = [, { op: 'record', arg: 1 }, 5, hostile, proxy, null, { op: 7, arg: 1 }, { op: 'record', arg: 2 }] as never;
  const outcomes = await exec.batch(ops);
  t.is(outcomes.length, 8);
  t.deepEqual(outcomes[1], { ok: true, value: 1 });
  t.deepEqual(outcomes[7], { ok: true, value: 2 });
  for (const i of [0, 2, 3, 4, 5]) {
    const outcome = outcomes[i] as { ok: false; error: RemoteError };
    t.false(outcome.ok, `item ${i}`);
    t.true(outcome.error instanceof RemoteError, `item ${i}`);
    t.is(outcome.error.code, 'ERR_INVALID_ARG_VALUE', `item ${i}`);
    t.regex(outcome.error.message, new RegExp(`item ${i}`));
  }
  t.true((outcomes[6] as { error: RemoteError }).error instanceof UnknownOpError);
  t.deepEqual(await exec.call('log', undefined), [1, 2]);
});
