import test from 'ava';
import { SessionCrashedError, SessionFailedError, SessionRestartedError, TimeoutError } from '../lib/errors.js';
import { MAX_TIMER_MS, setLongTimeout, timerDelay } from '../lib/executor/long-timer.js';
import type { ExecutorOptions } from '../lib/executor/options.js';
import { nextEvent, startTestSession } from './helpers/start-test-session.js';

const invalid: Array<[string, ExecutorOptions, typeof TypeError | typeof RangeError, RegExp]> = [
  ['timeoutMs: NaN', { timeoutMs: NaN }, RangeError, /options\.timeoutMs must be a number > 0 or Infinity; got NaN/],
  ['timeoutMs: 0', { timeoutMs: 0 }, RangeError, /options\.timeoutMs/],
  ['timeoutMs: "5"', { timeoutMs: '5' as unknown as number }, TypeError, /options\.timeoutMs must be a number.*got string/],
  ['hardDeadlineMs: 0', { hardDeadlineMs: 0 }, RangeError, /options\.hardDeadlineMs must be a number > 0 or Infinity; got 0/],
  ['hardDeadlineMs: -Infinity', { hardDeadlineMs: -Infinity }, RangeError, /options\.hardDeadlineMs/],
  ['openTimeoutMs: NaN', { openTimeoutMs: NaN }, RangeError, /options\.openTimeoutMs/],
  ['maxInFlight: NaN', { maxInFlight: NaN }, RangeError, /options\.maxInFlight must be an integer >= 1 or Infinity; got NaN/],
  ['maxInFlight: 0', { maxInFlight: 0 }, RangeError, /options\.maxInFlight/],
  ['concurrency: NaN', { concurrency: NaN }, RangeError, /options\.concurrency must be an integer >= 1; got NaN/],
  ['concurrency: 1.5', { concurrency: 1.5 }, RangeError, /options\.concurrency/],
  ['concurrency: Infinity', { concurrency: Infinity }, RangeError, /options\.concurrency/],
  ['maxQueue: 0', { maxQueue: 0 }, RangeError, /options\.maxQueue must be an integer >= 1 or Infinity/],
  ['maxRestarts: -1', { maxRestarts: -1 }, RangeError, /options\.maxRestarts/],
  ['restartBackoffMs: -1', { restartBackoffMs: -1 }, RangeError, /options\.restartBackoffMs must be a number >= 0 or Infinity; got -1/],
  ['unknown option', { bogusOption: 1 } as ExecutorOptions, TypeError, /options has an unknown option "bogusOption"; accepted: timeoutMs, .*maxRestarts/],
  ['misspelt option', { timeOutMs: 5 } as ExecutorOptions, TypeError, /unknown option "timeOutMs"/],
  ['unknown saturation option', { saturation: { hi: 3 } } as ExecutorOptions, TypeError, /options\.saturation has an unknown option "hi"; accepted: high, low, warnEveryMs, keepEvents/],
  ['saturation: null', { saturation: null } as never, TypeError, /options\.saturation must be an object/],
  ['metricsWindowMs: 0', { metricsWindowMs: 0 }, RangeError, /options\.metricsWindowMs/],
  ['whenFull: bogus', { whenFull: 'bogus' as 'wait' }, RangeError, /options\.whenFull must be 'reject' or 'wait'; got "bogus"/],
  ['saturation.high: 0', { saturation: { high: 0 } }, RangeError, /options\.saturation\.high/],
  ['saturation.low > high', { saturation: { high: 3, low: 4 } }, RangeError, /options\.saturation\.low must be <= options\.saturation\.high \(3\); got 4/],
  ['logger without warn', { logger: { debug() {}, info() {}, error() {} } as never }, TypeError, /options\.logger .*warn is missing/],
  ['saturation: []', { saturation: [] } as never, TypeError, /options\.saturation must be an object/],
  ['resourceLimits: []', { resourceLimits: [] } as never, TypeError, /options\.resourceLimits must be an object/],
  ['resourceLimits: unknown key', { resourceLimits: { maxOldSizeMb: 64 } } as never, TypeError, /options\.resourceLimits has an unknown option "maxOldSizeMb"/],
  ['resourceLimits.maxOldGenerationSizeMb: -1', { resourceLimits: { maxOldGenerationSizeMb: -1 } }, RangeError, /options\.resourceLimits\.maxOldGenerationSizeMb/],
  ['resourceLimits.stackSizeMb: "4"', { resourceLimits: { stackSizeMb: '4' as never } }, TypeError, /options\.resourceLimits\.stackSizeMb/],
];

for (const [name, options, ErrorClass, message] of invalid) {
  test(`start() rejects ${name} with a ${ErrorClass.name} naming the option and its range`, async (t) => {
    const error = await t.throwsAsync(startTestSession(options));
    t.true(error instanceof ErrorClass, `${error?.constructor.name}: ${error?.message}`);
    t.regex(error!.message, message);
  });
}

test('valid edge values are accepted: Infinity deadlines, unbounded queue, zero back-off', async (t) => {
  const exec = await startTestSession({
    timeoutMs: Infinity,
    hardDeadlineMs: Infinity,
    maxQueue: Infinity,
    maxInFlight: Infinity,
    maxRestarts: 0,
    restartBackoffMs: 0,
    saturation: { high: 1, low: 0 },
  });
  t.teardown(() => exec.close());
  t.is(await exec.call('echo', 1), 1);
});

test('bad call options reject that call (before it is queued) and nothing else', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const bad: Array<[object, typeof TypeError | typeof RangeError, RegExp]> = [
    [{ timeoutMs: NaN }, RangeError, /call options\.timeoutMs must be a number > 0 or Infinity; got NaN/],
    [{ timeoutMs: -5 }, RangeError, /call options\.timeoutMs/],
    [{ signal: {} }, TypeError, /call options\.signal must be an AbortSignal/],
    [{ label: 42 }, TypeError, /call options\.label must be a string/],
    [{ onProgress: 'yes' }, TypeError, /call options\.onProgress must be a function/],
    [{ bogus: 1 }, TypeError, /call options has an unknown option "bogus"; accepted: timeoutMs, signal, label, onProgress/],
    [{ timeout: 5 }, TypeError, /call options has an unknown option "timeout"/],
  ];
  for (const [options, ErrorClass, message] of bad) {
    const error = await t.throwsAsync(exec.call('record', 1, options as never));
    t.true(error instanceof ErrorClass);
    t.regex(error!.message, message);
  }
  t.deepEqual(await exec.call('log', undefined), [], 'none of them ran');
  t.is(exec.stats().queued + exec.stats().inFlight, 0);
});

test('a per-call timeoutMs above hardDeadlineMs is that op\'s hard deadline; without it the executor\'s applies', async (t) => {
  const exec = await startTestSession({ hardDeadlineMs: 250, timeoutMs: 30_000 });
  t.teardown(() => exec.close());
  // Runs four hard deadlines long: the caller said it would wait 30 s, so the owner is not presumed wedged.
  t.is(await exec.call('spin', 1_000, { timeoutMs: 30_000 }), 1_000);
  t.is(exec.stats().restarts, 0);
  // The executor-wide timeoutMs does not extend it: the same op is a wedge.
  const restarted = nextEvent(exec, 'restarted');
  await t.throwsAsync(exec.call('spin', 1_000), { instanceOf: SessionRestartedError });
  await restarted;
  t.is(exec.stats().restarts, 1);
  // Once the caller gave up, the executor's hard deadline applies again.
  const gaveUp = exec.call('spinForever', undefined, { timeoutMs: 400 });
  t.is((await t.throwsAsync(gaveUp, { instanceOf: TimeoutError })).phase, 'running');
  t.is(await exec.call('echo', 'recovered'), 'recovered');
  t.is(exec.stats().restarts, 2);
});

test('close() options are checked too; an invalid one closes nothing', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  await t.throwsAsync(exec.close({ mode: 'now' as 'drain' }), { instanceOf: RangeError, message: /close options\.mode must be 'drain' or 'cancel'/ });
  await t.throwsAsync(exec.close({ timeoutMs: NaN }), { instanceOf: RangeError, message: /close options\.timeoutMs/ });
  await t.throwsAsync(exec.close({ bogus: 1 } as never), { instanceOf: TypeError, message: /close options has an unknown option "bogus"; accepted: mode, timeoutMs/ });
  t.is(await exec.call('echo', 'still open'), 'still open');
  await exec.close({ timeoutMs: Infinity });
  t.is(exec.stats().phase, 'closed');
});

test('start(spec, null) means the defaults, like undefined', async (t) => {
  const exec = await startTestSession(null as never);
  t.teardown(() => exec.close());
  t.is(await exec.call('echo', 'defaults'), 'defaults');
});

test('maxRestarts: 0 never restarts automatically: the first crash fails the session until restart()', async (t) => {
  const exec = await startTestSession({ maxRestarts: 0 });
  t.teardown(() => exec.close());
  await t.throwsAsync(exec.call('exit', 3), { instanceOf: SessionCrashedError });
  await t.throwsAsync(exec.call('echo', 1), { instanceOf: SessionFailedError });
  t.is(exec.stats().phase, 'failed');
  await exec.restart();
  t.is(await exec.call('echo', 'back'), 'back');
});

/** Collects every TimeoutOverflowWarning (setTimeout given more than 2^31-1 ms) while `run` runs. */
async function overflowWarnings(run: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (warning: Error) => {
    if (warning.name === 'TimeoutOverflowWarning') seen.push(warning.message);
  };
  process.on('warning', listener);
  try {
    await run();
    await new Promise<void>((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

const beyondTimers = [2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER, 1e300];

for (const ms of beyondTimers) {
  test(`durations of ${ms} ms (beyond setTimeout's 2^31-1) work as given, without TimeoutOverflowWarning`, async (t) => {
    const warnings = await overflowWarnings(async () => {
      const exec = await startTestSession({
        timeoutMs: ms,
        hardDeadlineMs: ms,
        openTimeoutMs: ms, // once fired at once: "did not open within 2147483648 ms"
        restartBackoffMs: ms,
        metricsWindowMs: ms,
        saturation: { high: 1, low: 0, warnEveryMs: ms },
      });
      t.is(await exec.call('delay', 20, { timeoutMs: ms }), 20);
      t.deepEqual(await Promise.all([exec.call('echo', 1), exec.call('delay', 10)]), [1, 10]);
      t.is(exec.stats().restarts, 0);
      // The back-off is this long too; restart() cuts it short, so a crash must still recover on request.
      await t.throwsAsync(exec.call('exit', 3), { instanceOf: SessionCrashedError });
      t.is(exec.stats().phase, 'restarting', 'the back-off did not end at once');
      await exec.restart();
      t.is(await exec.call('echo', 'after'), 'after');
      await exec.close({ timeoutMs: ms });
      t.is(exec.stats().phase, 'closed');
    });
    t.deepEqual(warnings, []);
  });
}

test('setLongTimeout covers delays setTimeout cannot hold and never fires for Infinity', async (t) => {
  const fired: string[] = [];
  const long = setLongTimeout(() => fired.push('long'), MAX_TIMER_MS + 1, { unref: true });
  const never = setLongTimeout(() => fired.push('never'), Infinity, { unref: true });
  await new Promise<void>((resolve) => setLongTimeout(resolve, 30));
  t.deepEqual(fired, [], 'a too-long delay once became 1 ms');
  long.clear();
  never.clear();
  t.is(timerDelay(MAX_TIMER_MS + 1), MAX_TIMER_MS);
  t.is(timerDelay(Infinity), MAX_TIMER_MS);
  t.is(timerDelay(-5), 0);
  t.is(timerDelay(NaN), 0);
  t.is(timerDelay(250), 250);
});

test('every bad executor, call and close option is a TypeError or RangeError with a stable Node-style code', async (t) => {
  const { resolveOptions, checkCallOptions, resolveCloseOptions } = await import('../lib/executor/resolve-options.js');
  const cases: Array<[() => unknown, string, typeof TypeError | typeof RangeError]> = [
    [() => resolveOptions({ timeoutMs: -5 }), 'ERR_OUT_OF_RANGE', RangeError],
    [() => resolveOptions({ timeoutMs: '5' as unknown as number }), 'ERR_INVALID_ARG_TYPE', TypeError],
    [() => resolveOptions({ timeOutMs: 5 } as unknown as ExecutorOptions), 'ERR_INVALID_ARG_VALUE', TypeError],
    [() => resolveOptions(5 as unknown as ExecutorOptions), 'ERR_INVALID_ARG_TYPE', TypeError],
    [() => resolveOptions({ whenFull: 'drop' as 'wait' }), 'ERR_OUT_OF_RANGE', RangeError],
    [() => resolveOptions({ saturation: { high: 2, low: 3 } }), 'ERR_OUT_OF_RANGE', RangeError],
    [() => resolveOptions({ logger: {} as ExecutorOptions['logger'] }), 'ERR_INVALID_ARG_TYPE', TypeError],
    [() => checkCallOptions({ label: 5 as unknown as string }), 'ERR_INVALID_ARG_TYPE', TypeError],
    [() => resolveCloseOptions({ mode: 'now' as 'drain' }), 'ERR_OUT_OF_RANGE', RangeError],
  ];
  for (const [call, code, kind] of cases) t.throws(call, { instanceOf: kind, code }, code);
  // The spec itself too: anything but what sessionSpec returns.
  const { SessionExecutor } = await import('../lib/executor/session-executor.js');
  for (const spec of [undefined, {}, { module: 5 }]) {
    await t.throwsAsync(SessionExecutor.start(spec as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /sessionSpec/ });
  }
});

test('arrays are refused as executor, call and close options (their keys would be ignored without a word)', async (t) => {
  await t.throwsAsync(startTestSession([] as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE', message: /got an array/ });
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  await t.throwsAsync(exec.call('echo', 1, [] as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
  await t.throwsAsync(exec.batch([{ op: 'echo', arg: 1 }], [] as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
  await t.throwsAsync(exec.close([] as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' });
  t.is(await exec.call('echo', 'still open'), 'still open');
  t.is(exec.stats().ops.echo?.ok, 1);
});

test('resourceLimits within range reach the owner thread', async (t) => {
  const exec = await startTestSession({ resourceLimits: { maxOldGenerationSizeMb: 256, stackSizeMb: 4 } });
  t.teardown(() => exec.close());
  t.is(await exec.call('echo', 'ok'), 'ok');
});

test('new SessionExecutor() from JavaScript is refused: only start() makes an executor with an owner', async (t) => {
  const { SessionExecutor } = await import('../lib/executor/session-executor.js');
  const { sessionSpec } = await import('../lib/session.js');
  const Construct = SessionExecutor as unknown as new (...args: unknown[]) => unknown;
  t.throws(() => new Construct(sessionSpec(new URL('./fixtures/test-session.js', import.meta.url), { tag: 'x' })), {
    instanceOf: TypeError,
    code: 'ERR_ILLEGAL_CONSTRUCTOR',
    message: /SessionExecutor\.start/,
  });
});
