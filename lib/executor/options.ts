import type { Logger } from '../logger.js';
import type { SaturationOptions } from './saturation.js';

export interface ExecutorOptions {
  /**
   * Default per-call deadline in milliseconds. The clock starts when `call()` is invoked and covers waiting
   * for room in the queue, waiting in the queue, and running in the owner, until the result is back on the
   * main thread. When it passes, the caller is rejected with `TimeoutError`; an operation that had not been
   * sent to the owner is removed and never runs; one that had been sent is abandoned (its result is dropped)
   * but the session is not disturbed. `Infinity` disables it.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * How long one operation may run in the owner without the owner finishing anything, before the owner is
   * presumed wedged: the thread is terminated (and the session's registered child processes killed), the
   * operations running in it are rejected with `SessionRestartedError`, a new owner is started and the session
   * re-opened, and operations that had not started run there. `Infinity` disables it.
   *
   * A call that passes its own `timeoutMs` above this value gets that as its hard deadline: while its caller
   * still waits, the owner is not presumed wedged by that operation before `timeoutMs` of running. (Once the
   * caller gave up, this value applies again.) The executor-wide `timeoutMs` does not extend it.
   * @default 60000
   */
  hardDeadlineMs?: number;
  /**
   * Deadline for the session's `open` (at start and after each restart).
   * @default 60000
   */
  openTimeoutMs?: number;
  /**
   * How many operations may wait on the main thread (not yet sent to the owner). Operations sent to the owner
   * are counted separately (`inFlight`, bounded by `maxInFlight`).
   * @default 1000
   */
  maxQueue?: number;
  /**
   * What a call does when `maxQueue` operations are already queued: `reject` fails it at once with
   * `QueueFullError`; `wait` holds it (its deadline and signal still apply) until there is room.
   * @default 'reject'
   */
  whenFull?: 'reject' | 'wait';
  /**
   * How many operations may be handed to the owner at once. The owner still runs them one at a time (or
   * `concurrency` at a time); a deep pipeline lets it go from one to the next without a round trip.
   * @default 1024
   */
  maxInFlight?: number;
  /**
   * How many operations the owner runs at the same time. Keep 1 for sessions that must not be re-entered
   * (a Python interpreter, most embedded databases); raise it for sessions whose operations are async I/O.
   * @default 1
   */
  concurrency?: number;
  /** Queue-saturation watermarks and warnings. @default `{ high: 10, low: 5, warnEveryMs: 30000, keepEvents: 100 }` */
  saturation?: SaturationOptions;
  /**
   * After an unexpected owner exit or a wedge, how many restarts in a row (without an operation succeeding in
   * between) are attempted before the executor gives up and fails calls fast with `SessionFailedError`.
   * `0` never restarts automatically: the first crash or wedge fails the session until `restart()`.
   * @default 5
   */
  maxRestarts?: number;
  /**
   * Delay before the first restart attempt; doubled for each further attempt in a row, up to 5 s (or this
   * value, if larger). `restart()` during a recovery skips the delay. `Infinity` waits for `restart()`.
   * @default 50
   */
  restartBackoffMs?: number;
  /**
   * Latency percentiles in `stats()` cover the last one to two windows of this length (`Infinity`: since start).
   * @default 60000
   */
  metricsWindowMs?: number;
  /**
   * A pino-compatible logger. Nothing is logged by default. Logs never contain operation arguments.
   * @default a silent logger
   */
  logger?: Logger;
  /** Resource limits for the owner thread (heap sizes), passed to `new Worker`. @default none */
  resourceLimits?: import('node:worker_threads').ResourceLimits;
}

export interface CallOptions {
  /**
   * This call's deadline; see {@link ExecutorOptions.timeoutMs}. A value above the executor's `hardDeadlineMs`
   * is also this operation's hard deadline (see {@link ExecutorOptions.hardDeadlineMs}).
   * @default the executor's `timeoutMs`
   */
  timeoutMs?: number;
  /**
   * Aborting it rejects the call with `AbortError`, with the same queued/running semantics as a timeout. A
   * running operation sees it through its context's `signal`. One signal may be shared by any number of calls:
   * the executor adds one listener per signal, not per call.
   * @default none
   */
  signal?: AbortSignal;
  /**
   * The name used in logs and metrics. Metrics keep the first 64 distinct labels apart and count the rest
   * under `other`. @default the operation name (`'batch'` for a batch)
   */
  label?: string;
  /**
   * Receives what the running operation reports with its context's `progress(value)`, in order, before the
   * call settles; never after. Values travel with the results (batched per tick), so an operation that
   * blocks its thread delivers them when it returns. Calls without it cost nothing extra: the owner drops
   * their reports without cloning them.
   * @default none
   */
  onProgress?: (value: unknown) => void;
}

export interface CloseOptions {
  /**
   * `drain` runs every operation already accepted, then closes; `cancel` rejects operations not yet sent to the
   * owner with `ClosedError`, lets those already running finish, then closes.
   * @default 'drain'
   */
  mode?: 'drain' | 'cancel';
  /**
   * Deadline for the whole close, including the session's own `close`. Past it, the owner is terminated
   * and everything still pending is rejected with `ClosedError` (`started` tells whether it was running).
   * @default 10000
   */
  timeoutMs?: number;
}

export const MAX_RESTART_BACKOFF_MS = 5_000;
/** How long to wait for a terminated thread to exit before giving up on it. */
export const TERMINATE_WAIT_MS = 5_000;
