/**
 * The lifecycle state machine under concurrent use: restarts, automatic recovery and close racing each other.
 * Every test proves there was never more than one owner (thread) at a time and that none is left behind.
 * Serial: the owner census counts every owner thread of this process.
 */
import test from 'ava';
import { ClosedError, SessionCrashedError, SessionFailedError, SessionRestartedError } from '../lib/errors.js';
import { ownerCensus } from '../lib/executor/owner-thread.js';
import type { RestartedEvent } from '../lib/executor/session-executor.js';
import { CONTROL_SLOTS, Control } from './fixtures/test-session.js';
import { nextEvent, startTestSession } from './helpers/start-test-session.js';

function newControl() {
  const buffer = new SharedArrayBuffer(CONTROL_SLOTS * 4);
  return { buffer, slots: new Int32Array(buffer) };
}

/** Starts counting: the executor under test is the only one alive from here on. */
function census() {
  const created = ownerCensus.created;
  ownerCensus.maxAlive = ownerCensus.alive;
  return { created: () => ownerCensus.created - created };
}

test.serial('concurrent restart() calls share one attempt: one new owner, never two alive', async (t) => {
  const control = newControl();
  const exec = await startTestSession({}, { control: control.buffer });
  const counted = census();
  await Promise.all(Array.from({ length: 5 }, () => exec.restart()));
  t.is(counted.created(), 1, 'one owner opened for five restart() calls');
  t.is(Atomics.load(control.slots, Control.Opened), 2, 'the session was opened twice in all (start + one restart)');
  t.is(ownerCensus.maxAlive, 1);
  t.is(exec.stats().phase, 'ready');
  t.is(await exec.call('echo', 'ok'), 'ok');
  // A restart after the shared one settled is a new attempt.
  await exec.restart();
  t.is(counted.created(), 2);
  await exec.close();
  t.is(ownerCensus.alive, 0, 'nothing left running after close');
});

test.serial('restart() during automatic recovery joins it (and skips its back-off): one owner', async (t) => {
  const control = newControl();
  // A back-off far longer than the test's timeout: only a joined restart() that skips it can finish in time.
  const exec = await startTestSession({ restartBackoffMs: 600_000 }, { control: control.buffer });
  const counted = census();
  const restarted = nextEvent<RestartedEvent>(exec, 'restarted');
  await t.throwsAsync(exec.call('exit', 1), { instanceOf: SessionCrashedError });
  t.is(exec.stats().phase, 'restarting');
  const queued = exec.call('echo', 'queued during recovery');
  await Promise.all([exec.restart(), exec.restart()]);
  t.is((await restarted).reason, 'crashed', 'the automatic recovery is the attempt the callers joined');
  t.is(await queued, 'queued during recovery');
  t.is(counted.created(), 1);
  t.is(ownerCensus.maxAlive, 1);
  t.is(exec.stats().restarts, 1);
  await exec.close();
  t.is(ownerCensus.alive, 0);
});

test.serial('restart() while the owner is wedged: one recovery, the wedged op rejected, queued ops run', async (t) => {
  const exec = await startTestSession({ hardDeadlineMs: 200, timeoutMs: 60_000 });
  const counted = census();
  const wedged = exec.call('spinForever', undefined);
  const behind = exec.call('record', 1);
  // Join the recovery the watchdog starts (polling the phase: the wedge has no event of its own).
  while (exec.stats().phase !== 'restarting') await new Promise((resolve) => setTimeout(resolve, 10));
  const restarts = [exec.restart(), exec.restart()];
  await t.throwsAsync(wedged, { instanceOf: SessionRestartedError });
  await Promise.all(restarts);
  t.is(await behind, 1);
  t.is(counted.created(), 1);
  t.is(ownerCensus.maxAlive, 1);
  await exec.close();
  t.is(ownerCensus.alive, 0);
});

test.serial('a restart whose open fails ends failed: calls fail fast, even with no deadline, until restart() works', async (t) => {
  const control = newControl();
  const exec = await startTestSession({ timeoutMs: Infinity }, { control: control.buffer });
  const counted = census();
  Atomics.store(control.slots, Control.FailOpen, 1);
  const failed = nextEvent<SessionFailedError>(exec, 'failed');
  const restarting = exec.restart();
  const queued = exec.call('echo', 'never');
  const error = await t.throwsAsync(restarting, { instanceOf: SessionFailedError });
  t.regex(String((error.cause as Error).message), /open refused by the test/);
  t.true((await failed) instanceof SessionFailedError);
  t.is(exec.stats().phase, 'failed');
  await t.throwsAsync(queued, { instanceOf: SessionFailedError }, 'a call waiting for the restart is failed, not left hanging');
  await t.throwsAsync(exec.call('echo', 'later'), { instanceOf: SessionFailedError });
  t.is(ownerCensus.alive, 0, 'the owner whose open failed is gone');

  Atomics.store(control.slots, Control.FailOpen, 0);
  await exec.restart();
  t.is(exec.stats().phase, 'ready');
  t.is(await exec.call('echo', 'back'), 'back');
  t.is(counted.created(), 2);
  t.is(ownerCensus.maxAlive, 1);
  await exec.close();
  t.is(ownerCensus.alive, 0);
});

test.serial('an open slower than openTimeoutMs fails the restart; a later restart is not disturbed by it', async (t) => {
  const control = newControl();
  // Generous: starting a thread and importing the session takes a few hundred ms on a loaded machine.
  const exec = await startTestSession({ openTimeoutMs: 1_500 }, { control: control.buffer });
  Atomics.store(control.slots, Control.OpenDelayMs, 3_000);
  await t.throwsAsync(exec.restart(), { instanceOf: SessionFailedError });
  Atomics.store(control.slots, Control.OpenDelayMs, 0);
  await exec.restart();
  // Outlive the slow open that was abandoned: nothing of it may reach the healthy owner.
  await exec.call('delay', 3_500);
  t.is(exec.stats().phase, 'ready');
  t.is(await exec.call('echo', 'still healthy'), 'still healthy');
  t.is(ownerCensus.alive, 1);
  await exec.close();
  t.is(ownerCensus.alive, 0);
});

test.serial('close during a manual restart\'s open: restart rejects with ClosedError, no owner left', async (t) => {
  const control = newControl();
  const exec = await startTestSession({}, { control: control.buffer });
  const counted = census();
  Atomics.store(control.slots, Control.OpenDelayMs, 60_000);
  const restarting = exec.restart();
  const queued = exec.call('echo', 'never');
  // The restart has retired the old owner and is opening the new one once a second thread exists.
  while (counted.created() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  await exec.close();
  await t.throwsAsync(restarting, { instanceOf: ClosedError });
  await t.throwsAsync(queued, { instanceOf: ClosedError });
  t.is(exec.stats().phase, 'closed');
  t.is(ownerCensus.alive, 0);
  t.is(ownerCensus.maxAlive, 1);
  await t.throwsAsync(exec.restart(), { instanceOf: ClosedError });
});

test.serial('close during automatic recovery\'s back-off: no owner is opened afterwards', async (t) => {
  const exec = await startTestSession({ restartBackoffMs: 600_000 });
  const counted = census();
  await t.throwsAsync(exec.call('exit', 1), { instanceOf: SessionCrashedError });
  const queued = exec.call('echo', 'never');
  await exec.close();
  await t.throwsAsync(queued, { instanceOf: ClosedError });
  t.is(counted.created(), 0);
  t.is(ownerCensus.alive, 0);
  t.is(exec.stats().phase, 'closed');
});

test.serial('close during automatic recovery\'s open: the opening owner is terminated', async (t) => {
  const control = newControl();
  const exec = await startTestSession({ restartBackoffMs: 1 }, { control: control.buffer });
  const counted = census();
  Atomics.store(control.slots, Control.OpenDelayMs, 60_000);
  await t.throwsAsync(exec.call('exit', 1), { instanceOf: SessionCrashedError });
  while (counted.created() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  await exec.close();
  t.is(ownerCensus.alive, 0);
  t.is(ownerCensus.maxAlive, 1);
  t.is(Atomics.load(control.slots, Control.Opened), 1, 'only the first session ever finished opening');
});

test.serial('close while a wedged owner is being replaced, and restart racing close, leave nothing running', async (t) => {
  const exec = await startTestSession({ hardDeadlineMs: 150, restartBackoffMs: 1 });
  const wedged = exec.call('spinForever', undefined);
  const restarting = exec.restart();
  const closing = exec.close({ timeoutMs: 5_000 });
  const late = exec.restart();
  await closing;
  await t.throwsAsync(late, { instanceOf: ClosedError });
  const [wedgedResult, restartResult] = await Promise.allSettled([wedged, restarting]);
  t.is(wedgedResult.status, 'rejected');
  t.true(restartResult.status === 'fulfilled' || (restartResult.reason as Error) instanceof ClosedError);
  t.is(ownerCensus.alive, 0);
  t.is(ownerCensus.maxAlive, 1);
});

test.serial('restart() called from a failed listener starts a new attempt', async (t) => {
  const control = newControl();
  const exec = await startTestSession({ maxRestarts: 0 }, { control: control.buffer });
  const recovered = new Promise<void>((resolve, reject) =>
    exec.once('failed', () => {
      Atomics.store(control.slots, Control.FailOpen, 0);
      exec.restart().then(resolve, reject);
    }),
  );
  await t.throwsAsync(exec.call('exit', 1), { instanceOf: SessionCrashedError });
  await recovered;
  t.is(exec.stats().phase, 'ready');
  t.is(await exec.call('echo', 'again'), 'again');
  t.is(ownerCensus.maxAlive, 1);
  await exec.close();
  t.is(ownerCensus.alive, 0);
});
