/**
 * SessionExecutor: the main-thread side. It owns the queue, sends work to the owner thread, enforces
 * deadlines, tracks saturation and metrics, and replaces the owner when it dies or wedges.
 *
 * An operation moves through: waiting (no room yet, `whenFull: 'wait'`) -> queued (on the main thread) ->
 * sent (handed to the owner) -> settled. A sent operation whose caller gave up (timeout, abort) becomes
 * abandoned: it still occupies the owner, so it still counts as in flight until the owner reports it.
 */
import { EventEmitter } from 'node:events';
import {
  AbortError,
  ClosedError,
  QueueFullError,
  SerializationError,
  SessionCrashedError,
  SessionFailedError,
  SessionOpenError,
  SessionRestartedError,
  TimeoutError,
  type OpPhase,
  type RemoteError,
} from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { OpMetrics, type OpStats } from '../metrics.js';
import {
  ResultStatus,
  deserializeError,
  type GroupOutcome,
  type OwnerToMain,
  type ResultBatch,
  type RunBatch,
  RESULT_STRIDE,
  type SerializedError,
} from '../protocol.js';
import type { OpArg, OpName, OpResult, SessionDefinition, SessionSpec } from '../session.js';
import { DeadlineQueue, type DeadlineEntry } from './deadline-queue.js';
import {
  MAX_RESTART_BACKOFF_MS,
  TERMINATE_WAIT_MS,
  type CallOptions,
  type CloseOptions,
  type ExecutorOptions,
} from './options.js';
import { OwnerThread, type OwnerDeath } from './owner-thread.js';
import { SaturationTracker, type SaturationEvent } from './saturation.js';

/** Items per run message; measured best between 32 and 64 (see flush). */
const ITEMS_PER_MESSAGE = 64;

const enum EntryState {
  Waiting,
  Queued,
  Sent,
  Abandoned,
  Settled,
}

interface Entry extends DeadlineEntry {
  id: number;
  /** null for a group (batch). */
  op: string | null;
  label: string;
  arg: unknown;
  state: EntryState;
  calledAt: number;
  timeoutMs: number;
  /** Position in the current owner's start order; valid while Sent or Abandoned. */
  seq: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** One operation of a batch, and what became of it. */
export type BatchOutcome = { ok: true; value: unknown } | { ok: false; error: RemoteError };

export type ExecutorPhase = 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped';

export interface ExecutorStats {
  phase: ExecutorPhase;
  /** Calls waiting for room in a full queue (`whenFull: 'wait'`). */
  waiting: number;
  /** Operations accepted but not yet sent to the owner. */
  queued: number;
  /** Operations sent to the owner and not yet reported back (includes abandoned ones). */
  inFlight: number;
  /** Of `inFlight`, those whose caller already gave up (timed out or aborted). */
  abandoned: number;
  /** The largest number of pending operations (waiting + queued + in flight) seen so far. */
  highWater: number;
  /** Owner restarts so far (crashes and wedges). */
  restarts: number;
  saturation: { saturated: boolean; high: number; low: number; events: SaturationEvent[] };
  ops: Record<string, OpStats>;
}

export interface RestartedEvent {
  reason: 'crashed' | 'wedged' | 'open-failed' | 'manual';
  /** Restart attempt in the current streak (1 for the first). */
  attempt: number;
  cause?: unknown;
}

export interface ExecutorEvents {
  saturated: (event: SaturationEvent) => void;
  drained: (event: SaturationEvent) => void;
  restarted: (event: RestartedEvent) => void;
  timeout: (event: { op: string; phase: OpPhase }) => void;
  failed: (error: SessionFailedError) => void;
}

export interface SessionExecutor<D extends SessionDefinition> {
  on<E extends keyof ExecutorEvents>(event: E, listener: ExecutorEvents[E]): this;
  once<E extends keyof ExecutorEvents>(event: E, listener: ExecutorEvents[E]): this;
  off<E extends keyof ExecutorEvents>(event: E, listener: ExecutorEvents[E]): this;
}

export class SessionExecutor<D extends SessionDefinition> extends EventEmitter {
  /**
   * Starts a dedicated owner thread, opens the session in it, and resolves once it is open.
   * Rejects with `SessionOpenError` if `open` fails or exceeds `openTimeoutMs`.
   */
  static async start<D extends SessionDefinition>(
    spec: SessionSpec<D>,
    options: ExecutorOptions = {},
  ): Promise<SessionExecutor<D>> {
    const executor = new SessionExecutor(spec, options);
    try {
      await executor.openThread();
    } catch (error) {
      await executor.close({ mode: 'cancel', timeoutMs: TERMINATE_WAIT_MS });
      throw error;
    }
    executor.phase = 'ready';
    return executor;
  }

  private readonly timeoutMs: number;
  private readonly hardDeadlineMs: number;
  private readonly openTimeoutMs: number;
  private readonly maxQueue: number;
  private readonly whenFull: 'reject' | 'wait';
  private readonly maxInFlight: number;
  private readonly concurrency: number;
  private readonly maxRestarts: number;
  private readonly restartBackoffMs: number;
  private readonly logger: Logger;
  private readonly metrics: OpMetrics;
  private readonly saturation: SaturationTracker;
  private readonly deadlines: DeadlineQueue<Entry>;
  private readonly resourceLimits: ExecutorOptions['resourceLimits'];

  private phase: ExecutorPhase = 'starting';
  private accepting = true;
  private thread: OwnerThread | null = null;
  private threadReady = false;
  private opening: { resolve(): void; reject(error: unknown): void } | null = null;
  private closedWaiter: (() => void) | null = null;
  private closePromise: Promise<void> | null = null;

  private nextId = 1;
  private nextSeq = 0;
  private waitingList: Entry[] = [];
  private waitingHead = 0;
  private waitingCount = 0;
  private queue: Entry[] = [];
  private queueHead = 0;
  private queuedCount = 0;
  private readonly inFlight = new Map<number, Entry>();
  private cancelIds: number[] = [];
  private flushScheduled = false;
  private busy = false;
  private highWater = 0;
  private restarts = 0;
  private restartStreak = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];

  private constructor(
    private readonly spec: SessionSpec<D>,
    options: ExecutorOptions,
  ) {
    super();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.hardDeadlineMs = options.hardDeadlineMs ?? 60_000;
    this.openTimeoutMs = options.openTimeoutMs ?? 60_000;
    this.maxQueue = options.maxQueue ?? 1_000;
    this.whenFull = options.whenFull ?? 'reject';
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1_024);
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.maxRestarts = options.maxRestarts ?? 5;
    this.restartBackoffMs = options.restartBackoffMs ?? 50;
    this.logger = options.logger ?? silentLogger;
    this.metrics = new OpMetrics(options.metricsWindowMs ?? 60_000);
    this.saturation = new SaturationTracker(options.saturation ?? {}, this.logger, (event) =>
      this.emit(event.type, event),
    );
    this.deadlines = new DeadlineQueue<Entry>((entry) => this.giveUp(entry, 'timeout', undefined));
    this.resourceLimits = options.resourceLimits;
  }

  /**
   * Runs one operation in the owner. Resolves with its result, or rejects with a typed error:
   * `RemoteError` (the op threw), `TimeoutError`, `AbortError`, `QueueFullError`, `SessionCrashedError`,
   * `SessionRestartedError`, `SessionFailedError`, `SerializationError` or `ClosedError`.
   */
  call<K extends OpName<D>>(op: K, arg: OpArg<D, K>, options?: CallOptions): Promise<OpResult<D, K>> {
    return this.submit(op, arg, options) as Promise<OpResult<D, K>>;
  }

  /**
   * Runs several operations back to back in the owner, with no other operation in between (also with
   * `concurrency` > 1). Resolves with one outcome per operation, in order; one failing does not stop the rest.
   * The batch as a whole has one deadline and one signal.
   */
  batch(ops: Array<{ op: OpName<D>; arg: unknown }>, options?: CallOptions): Promise<BatchOutcome[]> {
    const group = ops.map(({ op, arg }) => [op, arg] as [string, unknown]);
    return this.submit(null, group, options) as Promise<BatchOutcome[]>;
  }

  private submit(op: string | null, arg: unknown, options: CallOptions | undefined): Promise<unknown> {
    const label = options?.label ?? op ?? 'batch';
    if (!this.accepting) return Promise.reject(new ClosedError(label));
    if (this.phase === 'failed') {
      return Promise.reject(new SessionFailedError(`the session failed and was not restarted; "${label}" did not run`));
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new AbortError(label, 'queued', signal.reason));
    const full = this.queuedCount >= this.maxQueue || this.waitingCount > 0;
    if (full && this.whenFull === 'reject') {
      this.metrics.record(label, 'error');
      return Promise.reject(new QueueFullError(label, this.maxQueue));
    }
    const calledAt = performance.now();
    return new Promise((resolve, reject) => {
      const entry: Entry = {
        id: this.nextId++,
        op,
        label,
        arg,
        state: EntryState.Queued,
        calledAt,
        timeoutMs: options?.timeoutMs ?? this.timeoutMs,
        seq: -1,
        resolve,
        reject,
        signal,
        onAbort: undefined,
        deadline: 0,
        dlPrev: null,
        dlNext: null,
        dlList: null,
      };
      if (Number.isFinite(entry.timeoutMs)) this.deadlines.add(entry, entry.timeoutMs, calledAt);
      if (signal) {
        entry.onAbort = () => this.giveUp(entry, 'abort', signal.reason);
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      if (full) {
        entry.state = EntryState.Waiting;
        this.waitingList.push(entry);
        this.waitingCount++;
      } else {
        this.queue.push(entry);
        this.queuedCount++;
        this.scheduleFlush();
      }
      this.depthChanged();
    });
  }

  /** A snapshot of queue depths, restarts, saturation events and per-operation metrics. */
  stats(): ExecutorStats {
    let abandoned = 0;
    for (const entry of this.inFlight.values()) if (entry.state === EntryState.Abandoned) abandoned++;
    return {
      phase: this.phase,
      waiting: this.waitingCount,
      queued: this.queuedCount,
      inFlight: this.inFlight.size,
      abandoned,
      highWater: this.highWater,
      restarts: this.restarts,
      saturation: {
        saturated: this.saturation.saturated,
        high: this.saturation.high,
        low: this.saturation.low,
        events: [...this.saturation.events],
      },
      ops: this.metrics.snapshot(),
    };
  }

  /**
   * Replaces the owner with a fresh one and re-opens the session: the way out of the `failed` phase (the
   * restart streak starts over). Operations running in the old owner are rejected with `SessionRestartedError`.
   */
  async restart(): Promise<void> {
    if (!this.accepting) throw new ClosedError('restart');
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.restartStreak = 0;
    this.phase = 'restarting';
    await this.retireThread('manual', undefined);
    await this.openThread();
    this.phase = 'ready';
    this.emit('restarted', { reason: 'manual', attempt: 1 } satisfies RestartedEvent);
    this.flush();
  }

  /**
   * Stops accepting calls, drains or cancels what is pending (see {@link CloseOptions.mode}), runs the
   * session's `close`, and ends the owner thread. Has its own deadline; idempotent (later calls return the
   * same promise). Never rejects: a session `close` that throws is logged.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closePromise ??= this.shutdown(options.mode ?? 'drain', options.timeoutMs ?? 10_000);
    return this.closePromise;
  }

  private async shutdown(mode: 'drain' | 'cancel', timeoutMs: number): Promise<void> {
    this.accepting = false;
    let forceTimer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      forceTimer = setTimeout(resolve, timeoutMs);
    });
    if (mode === 'cancel') {
      this.rejectNotSent((entry) => new ClosedError(entry.label));
      for (const entry of this.inFlight.values()) this.cancelIds.push(entry.id);
      this.scheduleFlush();
    }
    if (this.phase !== 'ready') {
      // Nothing can drain without a session: closing during a restart (or after giving up) cancels the queue.
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartTimer = null;
      this.rejectNotSent((entry) => new ClosedError(entry.label));
    }
    await Promise.race([this.whenIdle(), forced]);

    const thread = this.thread;
    if (thread?.isAlive && this.threadReady) {
      const closed = new Promise<void>((resolve) => {
        this.closedWaiter = resolve;
      });
      thread.post({ type: 'close' });
      await Promise.race([closed, forced]);
    }
    this.phase = 'stopped';
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.stopWatchdog();
    this.thread = null;
    this.threadReady = false;
    if (thread) await thread.terminate(TERMINATE_WAIT_MS);
    this.rejectNotSent((entry) => new ClosedError(entry.label));
    for (const entry of this.inFlight.values()) {
      if (entry.state === EntryState.Sent) this.settle(entry, 'cancelled', new ClosedError(entry.label));
    }
    this.inFlight.clear();
    this.deadlines.stop();
    clearTimeout(forceTimer);
    this.depthChanged();
  }

  // ---- dispatch ------------------------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Everything queued in this tick goes out as one message.
    queueMicrotask(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const thread = this.thread;
    if (!thread?.isAlive) return;
    if (this.cancelIds.length > 0) {
      thread.post({ type: 'cancel', ids: this.cancelIds });
      this.cancelIds = [];
    }
    if (!this.threadReady) return;
    this.admitWaiting();
    const batch: Entry[] = [];
    let room = this.maxInFlight - this.inFlight.size;
    while (room > 0 && this.queueHead < this.queue.length) {
      const entry = this.queue[this.queueHead++]!;
      if (entry.state !== EntryState.Queued) continue; // timed out or aborted while queued
      batch.push(entry);
      room--;
    }
    this.compactQueue();
    if (batch.length === 0) return;
    // Slices rather than one message: the owner starts on the first slice while this thread still clones the
    // next, so the two threads overlap instead of taking turns (measured: see BENCHMARKS.md).
    for (let start = 0; start < batch.length; start += ITEMS_PER_MESSAGE) {
      this.send(thread, batch.slice(start, start + ITEMS_PER_MESSAGE));
    }
    this.admitWaiting();
    this.depthChanged();
    this.armWatchdog();
  };

  private send(thread: OwnerThread, slice: Entry[]): void {
    const items = toRunBatch(slice);
    try {
      thread.post(items);
      for (const entry of slice) this.markSent(entry);
    } catch {
      // Something in the slice cannot be cloned: send one by one to fail only the culprits.
      for (let i = 0; i < slice.length; i++) {
        const entry = slice[i]!;
        try {
          thread.post(toRunBatch([entry]));
          this.markSent(entry);
        } catch (error) {
          this.queuedCount--;
          this.settle(entry, 'error', new SerializationError(entry.label, 'argument', error));
        }
      }
    }
  }

  private markSent(entry: Entry): void {
    entry.state = EntryState.Sent;
    entry.seq = this.nextSeq++;
    this.queuedCount--;
    this.inFlight.set(entry.id, entry);
  }

  /** Moves calls waiting for room into the queue while there is room. */
  private admitWaiting(): void {
    while (this.waitingCount > 0 && this.queuedCount < this.maxQueue) {
      const entry = this.waitingList[this.waitingHead++]!;
      if (entry.state !== EntryState.Waiting) continue;
      this.waitingCount--;
      entry.state = EntryState.Queued;
      this.queue.push(entry);
      this.queuedCount++;
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waitingList.length) {
      this.waitingList = this.waitingList.slice(this.waitingHead);
      this.waitingHead = 0;
    }
  }

  private compactQueue(): void {
    if (this.queueHead === 0) return;
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  // ---- results -------------------------------------------------------------------------------------------

  private onMessage(thread: OwnerThread, message: OwnerToMain): void {
    if (thread !== this.thread) return;
    if (Array.isArray(message)) {
      this.onResults(message);
      return;
    }
    switch (message.type) {
      case 'opened':
        this.opening?.resolve();
        break;
      case 'open-failed':
        this.opening?.reject(
          new SessionOpenError(`the session failed to open: ${message.error.message}`, deserializeError(message.error)),
        );
        break;
      case 'closed':
        if (message.error) this.logger.error({ error: message.error.message }, 'session close failed');
        this.closedWaiter?.();
        break;
    }
  }

  private onResults(results: ResultBatch): void {
    this.restartStreak = 0;
    const now = performance.now();
    for (let i = 0; i < results.length; i += RESULT_STRIDE) {
      const id = results[i] as number;
      const status = results[i + 1] as ResultStatus;
      const value = results[i + 2];
      const runMicros = results[i + 3] as number;
      const entry = this.inFlight.get(id);
      if (!entry) continue;
      this.inFlight.delete(id);
      if (entry.state !== EntryState.Sent) continue; // abandoned: the caller already has its answer
      const totalMicros = (now - entry.calledAt) * 1000;
      const timing = { runMicros, waitMicros: Math.max(0, totalMicros - runMicros) };
      if (status === ResultStatus.Ok) {
        const result = entry.op === null ? toBatchOutcomes(value as GroupOutcome[]) : value;
        this.settle(entry, 'ok', undefined, result, timing, now);
      } else if (status === ResultStatus.Error) {
        this.settle(entry, 'error', toCallerError(entry, value as SerializedError), undefined, timing, now);
      } else {
        this.settle(entry, 'cancelled', new ClosedError(entry.label));
      }
    }
    this.flush();
    this.depthChanged();
  }

  private settle(
    entry: Entry,
    outcome: 'ok' | 'error' | 'timeout' | 'cancelled',
    error: unknown,
    value?: unknown,
    timing?: { waitMicros: number; runMicros: number },
    now?: number,
  ): void {
    entry.state = EntryState.Settled;
    // The argument is kept until now so an operation that never started can be re-sent after a restart.
    entry.arg = undefined;
    this.deadlines.remove(entry);
    if (entry.onAbort) entry.signal!.removeEventListener('abort', entry.onAbort);
    this.metrics.record(entry.label, outcome, timing, now);
    if (outcome === 'ok') entry.resolve(value);
    else entry.reject(error);
  }

  /** A timeout or an abort: reject the caller; abandon (not kill) an operation already in the owner. */
  private giveUp(entry: Entry, why: 'timeout' | 'abort', reason: unknown): void {
    const phase: OpPhase =
      entry.state === EntryState.Waiting ? 'waiting' : entry.state === EntryState.Queued ? 'queued' : 'running';
    switch (entry.state) {
      case EntryState.Waiting:
        this.waitingCount--;
        break;
      case EntryState.Queued:
        this.queuedCount--;
        break;
      case EntryState.Sent:
        this.cancelIds.push(entry.id); // skipped by the owner if it has not started yet
        this.scheduleFlush();
        break;
      default:
        return;
    }
    const error =
      why === 'timeout' ? new TimeoutError(entry.label, phase, entry.timeoutMs) : new AbortError(entry.label, phase, reason);
    this.settle(entry, why === 'timeout' ? 'timeout' : 'cancelled', error);
    if (phase === 'running') entry.state = EntryState.Abandoned;
    if (why === 'timeout') {
      this.logger.debug({ op: entry.label, phase, timeoutMs: entry.timeoutMs }, 'session operation timed out');
      this.emit('timeout', { op: entry.label, phase });
    }
    this.depthChanged();
  }

  private rejectNotSent(makeError: (entry: Entry) => Error): void {
    for (let i = this.waitingHead; i < this.waitingList.length; i++) {
      const entry = this.waitingList[i]!;
      if (entry.state === EntryState.Waiting) this.settle(entry, 'cancelled', makeError(entry));
    }
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const entry = this.queue[i]!;
      if (entry.state === EntryState.Queued) this.settle(entry, 'cancelled', makeError(entry));
    }
    this.waitingList = [];
    this.waitingHead = this.waitingCount = 0;
    this.queue = [];
    this.queueHead = this.queuedCount = 0;
    this.depthChanged();
  }

  // ---- depth, saturation, idleness -----------------------------------------------------------------------

  private depth(): number {
    return this.waitingCount + this.queuedCount + this.inFlight.size;
  }

  private depthChanged(): void {
    const depth = this.depth();
    if (depth > this.highWater) this.highWater = depth;
    this.saturation.update(depth, this.waitingOps);
    const busy = depth > 0;
    if (busy !== this.busy) {
      this.busy = busy;
      if (this.threadReady) this.thread?.setBusy(busy);
    }
    if (depth === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** An arrow property, so passing it to the tracker allocates no closure per call. */
  private readonly waitingOps = (): Array<{ op: string; count: number }> => {
    const counts = new Map<string, number>();
    const add = (entry: Entry) => counts.set(entry.label, (counts.get(entry.label) ?? 0) + 1);
    for (let i = this.queueHead; i < this.queue.length; i++) if (this.queue[i]!.state === EntryState.Queued) add(this.queue[i]!);
    for (const entry of this.inFlight.values()) add(entry);
    return [...counts]
      .map(([op, count]) => ({ op, count }))
      .sort((a, b) => b.count - a.count)
      .slice(0, 10);
  };

  private whenIdle(): Promise<void> {
    if (this.depth() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  // ---- owner lifecycle -----------------------------------------------------------------------------------

  /** Starts a new owner thread and opens the session in it. */
  private openThread(): Promise<void> {
    const thread = new OwnerThread(this.spec.module, this.concurrency, this.resourceLimits, {
      message: (message) => this.onMessage(thread, message),
      died: (death) => this.onDied(thread, death),
    });
    this.thread = thread;
    this.threadReady = false;
    this.nextSeq = 0;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => this.opening?.reject(new SessionOpenError(`the session did not open within ${this.openTimeoutMs} ms`)),
        this.openTimeoutMs,
      );
      this.opening = {
        resolve: () => {
          clearTimeout(timer);
          this.opening = null;
          this.threadReady = true;
          thread.setBusy(this.busy);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          this.opening = null;
          void thread.terminate(TERMINATE_WAIT_MS);
          if (this.thread === thread) this.thread = null;
          reject(error);
        },
      };
      thread.post({ type: 'open', options: this.spec.options });
    });
  }

  private onDied(thread: OwnerThread, death: OwnerDeath): void {
    if (thread !== this.thread) return;
    const cause = death.cause ?? (death.exitCode === undefined ? undefined : new Error(`exit code ${death.exitCode}`));
    if (this.opening) {
      this.opening.reject(new SessionOpenError(`the owner thread died while opening the session (${death.kind})`, cause));
      return;
    }
    if (this.phase === 'stopped') return;
    this.logger.error({ kind: death.kind, exitCode: death.exitCode }, 'session owner thread died');
    this.recover('crashed', death);
  }

  /**
   * Ends the current owner and sorts out what it held: operations that had started are rejected (they may or
   * may not have had their effect); operations that had not started go back to the head of the queue.
   */
  private retireThread(reason: RestartedEvent['reason'], death: OwnerDeath | undefined): Promise<void> {
    const thread = this.thread;
    this.thread = null;
    this.threadReady = false;
    this.stopWatchdog();
    if (!thread) return Promise.resolve();
    // The old session must be gone before a new one opens: two clients on one Chroma directory corrupt it.
    const terminated = thread.terminate(TERMINATE_WAIT_MS);
    const started = thread.started;
    const requeue: Entry[] = [];
    for (const entry of this.inFlight.values()) {
      if (entry.state !== EntryState.Sent) continue;
      if (entry.seq < started) {
        const error =
          reason === 'crashed'
            ? new SessionCrashedError(entry.label, death?.exitCode, death?.cause)
            : new SessionRestartedError(entry.label, reason);
        this.settle(entry, 'error', error);
      } else {
        entry.state = EntryState.Queued;
        requeue.push(entry);
      }
    }
    this.inFlight.clear();
    this.cancelIds = [];
    if (requeue.length > 0) {
      this.queue = requeue.concat(this.queue.slice(this.queueHead));
      this.queueHead = 0;
      this.queuedCount += requeue.length;
    }
    this.depthChanged();
    return terminated;
  }

  private recover(reason: 'crashed' | 'wedged' | 'open-failed', death: OwnerDeath | undefined, cause?: unknown): void {
    const retired = this.retireThread(reason, death);
    this.restarts++;
    this.restartStreak++;
    if (!this.accepting) {
      // Closing: do not bring the owner back; the close finishes with what is left.
      this.rejectNotSent((entry) => new ClosedError(entry.label));
      return;
    }
    if (this.restartStreak > this.maxRestarts) {
      this.fail(cause ?? death?.cause);
      return;
    }
    this.phase = 'restarting';
    const attempt = this.restartStreak;
    const delay = Math.min(this.restartBackoffMs * 2 ** (attempt - 1), MAX_RESTART_BACKOFF_MS);
    this.logger.warn({ reason, attempt, delayMs: delay }, 'restarting session owner');
    void retired.then(() => this.scheduleRestart(reason, attempt, delay, cause ?? death?.cause));
  }

  private scheduleRestart(reason: RestartedEvent['reason'], attempt: number, delay: number, cause: unknown): void {
    if (!this.accepting) {
      this.rejectNotSent((entry) => new ClosedError(entry.label));
      return;
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.openThread().then(
        () => {
          this.phase = 'ready';
          this.emit('restarted', { reason, attempt, cause } satisfies RestartedEvent);
          this.flush();
        },
        (error: unknown) => {
          if (this.accepting) this.recover('open-failed', undefined, error);
        },
      );
    }, delay);
  }

  private fail(cause: unknown): void {
    this.phase = 'failed';
    const error = new SessionFailedError(
      `the session owner failed ${this.restartStreak} times in a row; call restart() or close()`,
      cause,
    );
    this.logger.error({ restarts: this.restartStreak }, 'session failed; giving up restarting');
    this.rejectNotSent(() => error);
    this.emit('failed', error);
  }

  // ---- wedge detection -----------------------------------------------------------------------------------

  private armWatchdog(): void {
    if (this.watchdog || !Number.isFinite(this.hardDeadlineMs) || this.inFlight.size === 0) return;
    const thread = this.thread;
    if (!thread) return;
    // Nothing running (results on their way back): a full period is the earliest a wedge could show.
    const due =
      thread.started > thread.finished ? thread.lastProgressAt + this.hardDeadlineMs - Date.now() : this.hardDeadlineMs;
    this.watchdog = setTimeout(this.checkWedged, Math.max(1, due));
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  /** Fires at the earliest moment the owner could count as wedged; re-arms itself if it made progress. */
  private readonly checkWedged = (): void => {
    this.watchdog = null;
    const thread = this.thread;
    if (!thread || !this.threadReady || this.inFlight.size === 0) return;
    const runningSomething = thread.started > thread.finished;
    if (runningSomething && Date.now() - thread.lastProgressAt >= this.hardDeadlineMs) {
      this.logger.error({ hardDeadlineMs: this.hardDeadlineMs }, 'session owner wedged; restarting it');
      this.recover('wedged', undefined);
      return;
    }
    this.armWatchdog();
  };
}

function toRunBatch(entries: Entry[]): RunBatch {
  const batch: RunBatch = new Array(entries.length * 3);
  let i = 0;
  for (const entry of entries) {
    batch[i++] = entry.id;
    batch[i++] = entry.op;
    batch[i++] = entry.arg;
  }
  return batch;
}

function toBatchOutcomes(outcomes: GroupOutcome[]): BatchOutcome[] {
  return outcomes.map((outcome) =>
    outcome.ok ? { ok: true, value: outcome.value } : { ok: false, error: deserializeError(outcome.error) },
  );
}

function toCallerError(entry: Entry, error: SerializedError): Error {
  if (error.code === 'ERR_SESSION_SERIALIZATION') {
    return new SerializationError(entry.label, 'result', error.cause ? deserializeError(error.cause) : undefined);
  }
  return deserializeError(error);
}
