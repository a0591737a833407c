/**
 * Results whose buffers move to the caller's thread (`transfer` in the session definition): they arrive whole,
 * in call order, moved rather than copied; a transfer that cannot be made fails its own call only; timeouts,
 * aborts, batches, progress reports and a crashed owner behave as for any other result.
 */
import test from 'ava';
import { AbortError, RemoteError, SerializationError, SessionCrashedError, TimeoutError } from '../lib/errors.js';
import { transfer } from '../lib/session.js';
import { startTestSession } from './helpers/start-test-session.js';

const filled = (bytes: Uint8Array, value: number) => bytes.every((byte) => byte === value);

test('transferred results arrive whole and in call order among plain ones, and leave the owner\'s buffers empty', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const calls = Array.from({ length: 20 }, (_, i) =>
    i % 3 === 0 ? exec.call('record', i) : exec.call('transferBytes', { tag: i, n: 1_000 + i }),
  );
  const results = await Promise.all(calls);
  results.forEach((result, i) => {
    if (i % 3 === 0) return t.is(result, i);
    const { tag, bytes } = result as { tag: number; bytes: Uint8Array };
    t.is(tag, i);
    t.is(bytes.length, 1_000 + i);
    t.true(filled(bytes, i));
  });
  const lengths = await exec.call('sentLengths', undefined);
  t.is(lengths.length, 13);
  t.true(lengths.every((length) => length === 0), 'moved, not copied');
  t.deepEqual(await exec.call('log', undefined), [0, 3, 6, 9, 12, 15, 18]);
});

test('a transfer that cannot be made fails its call alone (ERR_SESSION_SERIALIZATION); the others of the tick still move', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const [before, bad, after, plain] = await Promise.allSettled([
    exec.call('transferBytes', { tag: 1, n: 64 }),
    exec.call('transferDetached', undefined),
    exec.call('transferBytes', { tag: 2, n: 64 }),
    exec.call('echo', 'plain'),
  ]);
  t.is(before.status, 'fulfilled');
  t.true(filled((before as PromiseFulfilledResult<{ bytes: Uint8Array }>).value.bytes, 1));
  t.is(bad.status, 'rejected');
  t.true((bad as PromiseRejectedResult).reason instanceof SerializationError);
  t.is((bad as PromiseRejectedResult).reason.direction, 'result');
  t.is((bad as PromiseRejectedResult).reason.code, 'ERR_SESSION_SERIALIZATION');
  t.true(filled((after as PromiseFulfilledResult<{ bytes: Uint8Array }>).value.bytes, 2));
  t.deepEqual(plain, { status: 'fulfilled', value: 'plain' });
  t.deepEqual(await exec.call('sentLengths', undefined), [0, 0]);
  t.is(exec.stats().restarts, 0);
});

test('in a batch, each member\'s transferred value arrives in its outcome; a failing member fails alone', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const outcomes = await exec.batch([
    { op: 'transferBytes', arg: { tag: 5, n: 10 } },
    { op: 'record', arg: 1 },
    { op: 'transferBytes', arg: { tag: 6, n: 20 } },
  ]);
  t.true(outcomes.every((outcome) => outcome.ok));
  const first = (outcomes[0] as { value: { bytes: Uint8Array } }).value.bytes;
  const third = (outcomes[2] as { value: { bytes: Uint8Array } }).value.bytes;
  t.true(first.length === 10 && filled(first, 5));
  t.true(third.length === 20 && filled(third, 6));
  t.deepEqual((outcomes[1] as { value: number }).value, 1);
  t.deepEqual(await exec.call('sentLengths', undefined), [0, 0]);
  const withBad = await exec.batch([
    { op: 'transferDetached', arg: undefined },
    { op: 'echo', arg: 'kept' },
  ]);
  t.false(withBad[0]!.ok);
  t.is((withBad[0] as { error: RemoteError }).error.code, 'ERR_SESSION_SERIALIZATION');
  t.deepEqual(withBad[1], { ok: true, value: 'kept' });
});

test('a progress report can transfer its buffers too', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const seen: Array<{ tag: number; bytes: Uint8Array }> = [];
  t.is(await exec.call('transferProgress', { tag: 9, n: 32 }, { onProgress: (value) => seen.push(value as never) }), 'done');
  t.is(seen.length, 1);
  t.is(seen[0]!.tag, 9);
  t.true(seen[0]!.bytes.length === 32 && filled(seen[0]!.bytes, 9));
});

test('a transferring call that times out or is aborted rejects as any other; the owner goes on', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  await t.throwsAsync(exec.call('transferBytesAfter', { tag: 1, n: 16, ms: 60_000 }, { timeoutMs: 100 }), { instanceOf: TimeoutError });
  const controller = new AbortController();
  const aborted = exec.call('transferBytesAfter', { tag: 2, n: 16, ms: 60_000 }, { signal: controller.signal });
  setImmediate(() => controller.abort());
  await t.throwsAsync(aborted, { instanceOf: AbortError });
  // A result arriving after its caller gave up is dropped; the next call gets its own bytes.
  await t.throwsAsync(exec.call('transferBytesAfter', { tag: 3, n: 16, ms: 300 }, { timeoutMs: 50 }), { instanceOf: TimeoutError });
  const next = await exec.call('transferBytesAfter', { tag: 4, n: 16, ms: 400 });
  t.is(next.tag, 4);
  t.true(filled(next.bytes, 4));
  t.is(exec.stats().restarts, 0);
});

test('an owner that crashes fails its calls with a crash error; after the restart, transfers work again', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const [before, crashed, after] = await Promise.allSettled([
    exec.call('transferBytes', { tag: 1, n: 16 }),
    exec.call('exit', 3),
    exec.call('transferBytes', { tag: 7, n: 8 }),
  ]);
  t.is(before.status, 'rejected', 'started in the same turn as the crash: its result was lost with the owner');
  t.true((before as PromiseRejectedResult).reason instanceof SessionCrashedError);
  t.true((crashed as PromiseRejectedResult).reason instanceof SessionCrashedError);
  t.is(after.status, 'fulfilled', 'not started before the crash: it ran after the restart');
  t.true(filled((after as PromiseFulfilledResult<{ bytes: Uint8Array }>).value.bytes, 7));
  t.is(exec.stats().restarts, 1);
});

test('transfer() refuses a transfer list that is not an array', (t) => {
  t.throws(() => transfer('x', 'nope' as never), { instanceOf: TypeError });
});
