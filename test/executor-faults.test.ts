import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  AbortError,
  ClosedError,
  QueueFullError,
  SessionCrashedError,
  SessionFailedError,
  SessionOpenError,
  SessionRestartedError,
  TimeoutError,
} from '../lib/errors.js';
import type { RestartedEvent } from '../lib/executor/session-executor.js';
import { nextEvent, startTestSession } from './helpers/start-test-session.js';

test('a queued op past its deadline is removed and never runs; a running one is abandoned, not killed', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const blocker = exec.call('delay', 300);
  const running = exec.call('record', 1, { timeoutMs: 50 }); // queued behind the blocker in the owner
  await Promise.resolve();
  const err = await t.throwsAsync(running, { instanceOf: TimeoutError });
  t.is(err.phase, 'running');
  t.is(err.code, 'ERR_SESSION_TIMEOUT');
  await blocker;
  // Cancelled before it started: the owner skipped it.
  t.deepEqual(await exec.call('log', undefined), []);

  const slow = exec.call('delay', 200, { timeoutMs: 50 });
  const slowError = await t.throwsAsync(slow, { instanceOf: TimeoutError });
  t.is(slowError.phase, 'running');
  t.is(await exec.call('echo', 'alive'), 'alive', 'the session was not restarted for a timeout');
  t.is(exec.stats().restarts, 0);
  t.is(exec.stats().ops['delay']!.timeout, 1);
});

test('an op timing out while still queued on the main thread never reaches the owner', async (t) => {
  const exec = await startTestSession({ maxInFlight: 1 });
  t.teardown(() => exec.close());
  const timeouts: string[] = [];
  exec.on('timeout', (event) => timeouts.push(`${event.op}:${event.phase}`));
  const blocker = exec.call('delay', 200);
  const queued = exec.call('record', 7, { timeoutMs: 30 });
  const err = await t.throwsAsync(queued, { instanceOf: TimeoutError });
  t.is(err.phase, 'queued');
  t.is(exec.stats().queued, 0);
  await blocker;
  t.deepEqual(await exec.call('log', undefined), []);
  t.deepEqual(timeouts, ['record:queued']);
});

test('abort before start, while queued and while running', async (t) => {
  const exec = await startTestSession({ maxInFlight: 1 });
  t.teardown(() => exec.close());
  const pre = new AbortController();
  pre.abort(new Error('never mind'));
  const before = await t.throwsAsync(exec.call('record', 1, { signal: pre.signal }), { instanceOf: AbortError });
  t.is((before.cause as Error).message, 'never mind');

  const whileRunning = new AbortController();
  const running = exec.call('delay', 300, { signal: whileRunning.signal });
  const whileQueued = new AbortController();
  const queued = exec.call('record', 2, { signal: whileQueued.signal });
  setImmediate(() => {
    whileQueued.abort();
    whileRunning.abort();
  });
  t.is((await t.throwsAsync(queued, { instanceOf: AbortError })).phase, 'queued');
  t.is((await t.throwsAsync(running, { instanceOf: AbortError })).phase, 'running');
  t.deepEqual(await exec.call('log', undefined), []);
  t.is(exec.stats().ops['delay']!.cancelled, 1);
});

test('queue full: reject policy fails fast, wait policy waits for room', async (t) => {
  const rejecting = await startTestSession({ maxQueue: 2, maxInFlight: 1 });
  const waiting = await startTestSession({ maxQueue: 2, maxInFlight: 1, whenFull: 'wait' });
  t.teardown(() => Promise.all([rejecting.close(), waiting.close()]));

  const calls = Array.from({ length: 5 }, (_, i) => rejecting.call('record', i));
  const settled = await Promise.allSettled(calls);
  const rejected = settled.filter((s) => s.status === 'rejected') as PromiseRejectedResult[];
  t.is(rejected.length, 3, 'two queued; the rest rejected at once (nothing is in flight until the tick ends)');
  t.true(rejected.every((r) => r.reason instanceof QueueFullError));
  t.deepEqual(await rejecting.call('log', undefined), [0, 1]);

  const all = Array.from({ length: 6 }, (_, i) => waiting.call('record', i));
  const stats = waiting.stats();
  t.is(stats.queued, 2);
  t.is(stats.waiting, 4);
  t.deepEqual(await Promise.all(all), [0, 1, 2, 3, 4, 5]);
  t.deepEqual(await waiting.call('log', undefined), [0, 1, 2, 3, 4, 5]);
  const late = waiting.call('delay', 100);
  const more = [waiting.call('record', 9), waiting.call('record', 10)];
  const timedOut = waiting.call('record', 11, { timeoutMs: 20 });
  t.is((await t.throwsAsync(timedOut, { instanceOf: TimeoutError })).phase, 'waiting');
  await Promise.all([late, ...more]);
});

test('an op that never returns: caller rejected at its timeout, owner restarted at the hard deadline, queued ops then run on a re-opened session', async (t) => {
  const exec = await startTestSession({ hardDeadlineMs: 300, timeoutMs: 10_000 });
  t.teardown(() => exec.close());
  await exec.call('record', 1);
  const restarted = nextEvent<RestartedEvent>(exec, 'restarted');
  const wedged = exec.call('spinForever', undefined, { timeoutMs: 100 });
  const behind = exec.call('record', 2);
  const err = await t.throwsAsync(wedged, { instanceOf: TimeoutError });
  t.is(err.phase, 'running');
  const event = await restarted;
  t.is(event.reason, 'wedged');
  t.is(await behind, 2, 'the op behind the wedged one never started, so it ran after the restart');
  t.deepEqual(await exec.call('log', undefined), [2], 'a fresh session state');
  t.is(exec.stats().restarts, 1);
});

test('a wedged op whose caller is still waiting gets SessionRestartedError', async (t) => {
  const exec = await startTestSession({ hardDeadlineMs: 200, timeoutMs: 10_000 });
  t.teardown(() => exec.close());
  await t.throwsAsync(exec.call('spinForever', undefined), { instanceOf: SessionRestartedError });
  t.is(await exec.call('echo', 'ok'), 'ok');
});

test('process.exit inside an op: crash error with the exit code; restart; ops that had not started still run', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const restarted = nextEvent<RestartedEvent>(exec, 'restarted');
  const [before, crashed, after] = await Promise.allSettled([
    exec.call('record', 1),
    exec.call('exit', 7),
    exec.call('record', 2),
  ]);
  t.deepEqual(before.status, 'rejected', 'started in the same turn as the crash: its result was lost with the owner');
  const crash = (crashed as PromiseRejectedResult).reason as SessionCrashedError;
  t.true(crash instanceof SessionCrashedError);
  t.is(crash.exitCode, 7);
  t.deepEqual(after, { status: 'fulfilled', value: 2 });
  t.is((await restarted).reason, 'crashed');
  t.deepEqual(await exec.call('log', undefined), [2]);
});

test('an uncaught async throw in the owner: nothing stays pending, the executor recovers', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const restarted = nextEvent<RestartedEvent>(exec, 'restarted');
  const inFlight = exec.call('uncaughtWhileRunning', undefined);
  const err = await t.throwsAsync(inFlight, { instanceOf: SessionCrashedError });
  t.regex(String((err.cause as Error).message), /uncaught in owner/);
  t.is((await restarted).reason, 'crashed');
  t.is(await exec.call('echo', 'back'), 'back');
});

test('a logger and event listeners that throw: every call settles with its own outcome, nothing stays in flight', async (t) => {
  // In a child process: a listener's exception is rethrown on the next tick, as the process's uncaught exception.
  const child = fileURLToPath(new URL('./fixtures/throwing-callbacks-child.js', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [child], { timeout: 60_000 });
  const report = JSON.parse(stdout.trim().split('\n').at(-1)!);
  t.deepEqual(report.calls.slice(0, 6), [0, 1, 2, 3, 4, 5], 'a throwing saturated listener fails no call');
  t.regex(report.calls[6], /TimeoutError/);
  t.is(report.calls[7], 'after the timeout', 'a throwing timeout listener fails no other call');
  t.regex(report.calls[8], /SessionCrashedError/);
  t.is(report.calls[9], 'after the crash', 'recovery completes although the logger and restarted listener throw');
  t.deepEqual([report.inFlight, report.queued, report.phase], [0, 0, 'ready']);
  t.deepEqual(report.uncaught, ['drained listener threw', 'restarted listener threw', 'saturated listener threw', 'timeout listener threw']);
});

test('after maxRestarts failures in a row, calls fail fast until restart()', async (t) => {
  const exec = await startTestSession({ maxRestarts: 2, restartBackoffMs: 1 });
  t.teardown(() => exec.close());
  const failed = nextEvent<SessionFailedError>(exec, 'failed');
  for (let i = 0; i < 3; i++) {
    await t.throwsAsync(exec.call('exit', 1), { instanceOf: SessionCrashedError });
  }
  t.true((await failed) instanceof SessionFailedError);
  await t.throwsAsync(exec.call('echo', 1), { instanceOf: SessionFailedError });
  t.is(exec.stats().phase, 'failed');
  await exec.restart();
  t.is(await exec.call('echo', 'again'), 'again');
});

test('a session whose open fails rejects start with SessionOpenError', async (t) => {
  const err = await t.throwsAsync(startTestSession({}, { failOpen: true }), { instanceOf: SessionOpenError });
  t.regex(err.message, /open refused/);
});

test('close with drain runs everything accepted; later calls get ClosedError; close is idempotent', async (t) => {
  const exec = await startTestSession();
  const calls = Array.from({ length: 20 }, (_, i) => exec.call('record', i));
  const closing = exec.close({ mode: 'drain' });
  t.is(exec.close(), closing);
  t.deepEqual(await Promise.all(calls), Array.from({ length: 20 }, (_, i) => i));
  await closing;
  await t.throwsAsync(exec.call('echo', 1), { instanceOf: ClosedError });
  t.is(exec.stats().phase, 'closed');
});

test('close with cancel rejects what has not started, lets the running op finish', async (t) => {
  const exec = await startTestSession({ maxInFlight: 2 });
  // Close only once the first op is known to be running (it says so through progress); it runs long enough that
  // the cancel reaches the owner before the op after it could start, even on a loaded machine.
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const running = exec.call('startThenDelay', 1_000, { onProgress: () => markStarted() });
  const sentNotStarted = exec.call('record', 1);
  const queued = Array.from({ length: 5 }, (_, i) => exec.call('record', 10 + i));
  await started;
  await exec.close({ mode: 'cancel' });
  t.is(await running, 1_000);
  await t.throwsAsync(sentNotStarted, { instanceOf: ClosedError });
  for (const call of queued) await t.throwsAsync(call, { instanceOf: ClosedError });
});

test('close has a deadline even when an op never returns', async (t) => {
  const exec = await startTestSession({ hardDeadlineMs: Infinity, timeoutMs: Infinity });
  const stuck = exec.call('spinForever', undefined);
  await exec.close({ timeoutMs: 200 });
  await t.throwsAsync(stuck, { instanceOf: ClosedError });
});
