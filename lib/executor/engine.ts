/**
 * The executor's engine: accepts calls, settles them, and wires the parts together: admission (the queues),
 * dispatch (to and from the owner), the deadline queue, the watchdog, and the lifecycle (which owner, in which
 * state). The public {@link SessionExecutor} is a thin layer over it.
 */
import {
  AbortError,
  ClosedError,
  QueueFullError,
  SerializationError,
  SessionCrashedError,
  SessionFailedError,
  SessionRestartedError,
  TimeoutError,
  type OpPhase,
} from '../errors.js';
import { OpMetrics, type OpStats } from '../metrics.js';
import { ResultStatus, deserializeError, type GroupOutcome, type SerializedError } from '../protocol.js';
import type { SessionSpec } from '../session.js';
import { Admission } from './admission.js';
import { runBatch, unknownOpError, type BatchOutcome } from './batch.js';
import { DeadlineQueue } from './deadline-queue.js';
import { Dispatch } from './dispatch.js';
import { EntryState, type Entry } from './entry.js';
import { setLongTimeout, type LongTimer } from './long-timer.js';
import { Lifecycle, type LifecyclePhase, type RestartedEvent, type RetireReason } from './lifecycle.js';
import type { CallOptions } from './options.js';
import type { OwnerDeath, OwnerThread } from './owner-thread.js';
import { checkCallOptions, type ResolvedOptions } from './resolve-options.js';
import { SaturationTracker, type SaturationEvent } from './saturation.js';
import { SignalListeners } from './signal-listeners.js';
import { Watchdog } from './watchdog.js';

export type { BatchOutcome } from './batch.js';
export type ExecutorPhase = LifecyclePhase;

export interface ExecutorStats {
  /** Where the lifecycle is: `opening`, `ready`, `restarting`, `failed`, `closing` or `closed`. */
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
  /** Automatic owner restarts so far (crashes, wedges, failed re-opens). */
  restarts: number;
  /** Calls rejected because the session has no operation of that name (never counted per name). */
  unknownOps: number;
  saturation: { saturated: boolean; high: number; low: number; events: SaturationEvent[] };
  /** Per label (the op name unless the call gave one): the first 64 labels, then `other`. */
  ops: Record<string, OpStats>;
}

/** What the engine tells the public class. */
export type EmitEvent = (event: string, payload: unknown) => void;

export class ExecutorEngine {
  readonly lifecycle: Lifecycle;
  private readonly metrics: OpMetrics;
  private readonly saturation: SaturationTracker;
  private readonly deadlines: DeadlineQueue<Entry>;
  private readonly signals: SignalListeners;
  private readonly admission: Admission;
  private readonly dispatch: Dispatch;
  private readonly watchdog: Watchdog;
  private ops: ReadonlySet<string> = new Set();
  private nextId = 1;
  private highWater = 0;
  private unknownOps = 0;
  private busy = false;
  private idleWaiters: Array<() => void> = [];
  private closing: Promise<void> | null = null;

  constructor(
    spec: SessionSpec,
    private readonly options: ResolvedOptions,
    private readonly emit: EmitEvent,
  ) {
    const logger = options.logger;
    this.metrics = new OpMetrics(options.metricsWindowMs);
    this.saturation = new SaturationTracker(options.saturation, logger, (event) => emit(event.type, event));
    this.deadlines = new DeadlineQueue<Entry>((entry) => this.giveUp(entry, 'timeout', undefined));
    this.signals = new SignalListeners((entry, reason) => this.giveUp(entry, 'abort', reason));
    this.admission = new Admission(options.maxQueue);
    this.dispatch = new Dispatch(this.admission, options.maxInFlight, {
      completed: (entry, status, value, runMicros, now) => this.completed(entry, status, value, runMicros, now),
      skipped: (entry) => this.settle(entry, 'cancelled', new ClosedError(entry.label)),
      unsendable: (entry, error) => this.settle(entry, 'error', error),
      progress: (entry, value) => this.progress(entry, value),
      progressDropped: (entry) =>
        logger.warn({ op: entry.label }, 'a progress report could not be sent between threads; it was dropped'),
      resultsArrived: () => this.lifecycle.succeeded(),
      afterChange: () => {
        this.depthChanged();
        this.watchdog.arm();
      },
    });
    const dispatch = this.dispatch;
    this.watchdog = new Watchdog(options.hardDeadlineMs, {
      get owner() {
        return dispatch.owner;
      },
      get inFlightCount() {
        return dispatch.inFlight.size;
      },
      runAllowanceMs: (started) => this.runAllowanceMs(started),
      wedged: (owner) => this.lifecycle.wedged(owner),
    });
    this.lifecycle = new Lifecycle(spec, options, logger, {
      ownerReady: (owner, ops) => this.ownerReady(owner, ops),
      ownerRetiring: () => {
        this.dispatch.stopSending();
        this.watchdog.stop();
      },
      ownerRetired: (owner, reason, death) => this.ownerRetired(owner, reason, death),
      results: (message) => this.dispatch.onResults(message),
      failed: (error) => {
        for (const entry of this.admission.takeAll()) this.settle(entry, 'cancelled', error);
        this.depthChanged();
        emit('failed', error);
      },
      restarted: (event: RestartedEvent) => emit('restarted', event),
    });
  }

  // ---- calls ---------------------------------------------------------------------------------------------

  call(op: string, arg: unknown, options: CallOptions | undefined): Promise<unknown> {
    // Checked before anything is allocated or counted: unknown names must not grow memory.
    if (!this.ops.has(op)) {
      this.unknownOps++;
      return Promise.reject(unknownOpError(op));
    }
    return this.submit(op, arg, options);
  }

  /** See {@link runBatch}. */
  batch(ops: ReadonlyArray<{ op: string; arg: unknown }>, options: CallOptions | undefined): Promise<BatchOutcome[]> {
    return runBatch(ops, options, {
      knows: (op) => this.ops.has(op),
      countUnknown: () => this.unknownOps++,
      submitGroup: (group, callOptions) => this.submit(null, group, callOptions) as Promise<GroupOutcome[]>,
    });
  }

  private submit(op: string | null, arg: unknown, options: CallOptions | undefined): Promise<unknown> {
    try {
      checkCallOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    const label = options?.label ?? op ?? 'batch';
    const phase = this.lifecycle.phase;
    if (phase === 'closing' || phase === 'closed') return Promise.reject(new ClosedError(label));
    if (phase === 'failed') {
      return Promise.reject(new SessionFailedError(`the session failed and was not restarted; "${label}" did not run`));
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new AbortError(label, 'queued', signal.reason));
    const full = this.admission.full;
    if (full && this.options.whenFull === 'reject') {
      this.metrics.record(label, 'error');
      return Promise.reject(new QueueFullError(label, this.options.maxQueue));
    }
    const calledAt = performance.now();
    const ownTimeout = options?.timeoutMs;
    const timeoutMs = ownTimeout ?? this.options.timeoutMs;
    const hard = this.options.hardDeadlineMs;
    return new Promise((resolve, reject) => {
      const entry: Entry = {
        id: this.nextId++,
        op,
        label,
        arg,
        state: EntryState.Queued,
        calledAt,
        timeoutMs,
        hardDeadlineMs: ownTimeout !== undefined && ownTimeout > hard ? ownTimeout : hard,
        seq: -1,
        resolve,
        reject,
        signal,
        onProgress: options?.onProgress,
        deadline: 0,
        dlPrev: null,
        dlNext: null,
        dlList: null,
      };
      if (timeoutMs !== Infinity) this.deadlines.add(entry, timeoutMs, calledAt);
      if (signal) this.signals.add(signal, entry);
      if (full) {
        this.admission.hold(entry);
      } else {
        this.admission.enqueue(entry);
        this.dispatch.scheduleFlush();
      }
      this.depthChanged();
    });
  }

  private completed(entry: Entry, status: ResultStatus, value: unknown, runMicros: number, now: number): void {
    const totalMicros = (now - entry.calledAt) * 1000;
    const timing = { runMicros, waitMicros: Math.max(0, totalMicros - runMicros) };
    if (status === ResultStatus.Ok) this.settle(entry, 'ok', undefined, value, timing, now);
    else this.settle(entry, 'error', this.callerError(entry, value as SerializedError), undefined, timing, now);
  }

  private callerError(entry: Entry, error: SerializedError): Error {
    if (error.code === 'ERR_SESSION_SERIALIZATION') {
      return new SerializationError(entry.label, 'result', error.cause ? deserializeError(error.cause) : undefined);
    }
    return deserializeError(error);
  }

  private progress(entry: Entry, value: unknown): void {
    try {
      entry.onProgress?.(value);
    } catch (error) {
      // A throwing listener must not break the delivery of other results in the same message.
      this.options.logger.warn({ op: entry.label, error: String(error) }, 'an onProgress listener threw');
    }
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
    entry.arg = undefined;
    entry.onProgress = undefined;
    this.deadlines.remove(entry);
    if (entry.signal) this.signals.remove(entry.signal, entry);
    this.metrics.record(entry.label, outcome, timing, now);
    if (outcome === 'ok') entry.resolve(value);
    else entry.reject(error);
  }

  /** A timeout or an abort: reject the caller; abandon (not kill) an operation already in the owner. */
  private giveUp(entry: Entry, why: 'timeout' | 'abort', reason: unknown): void {
    let phase: OpPhase;
    switch (entry.state) {
      case EntryState.Waiting:
        phase = 'waiting';
        this.admission.forget(entry);
        break;
      case EntryState.Queued:
        phase = 'queued';
        this.admission.forget(entry);
        break;
      case EntryState.Sent:
        phase = 'running';
        // Skipped by the owner if it has not started; its context's signal fires if it is running.
        this.dispatch.cancel(entry, why === 'timeout' ? { why, timeoutMs: entry.timeoutMs } : { why });
        break;
      default:
        return;
    }
    const error =
      why === 'timeout' ? new TimeoutError(entry.label, phase, entry.timeoutMs) : new AbortError(entry.label, phase, reason);
    this.settle(entry, why === 'timeout' ? 'timeout' : 'cancelled', error);
    if (phase === 'running') entry.state = EntryState.Abandoned;
    if (why === 'timeout') {
      this.options.logger.debug({ op: entry.label, phase, timeoutMs: entry.timeoutMs }, 'session operation timed out');
      this.emit('timeout', { op: entry.label, phase });
    }
    this.depthChanged();
  }

  // ---- owners --------------------------------------------------------------------------------------------

  private ownerReady(owner: OwnerThread, ops: readonly string[]): void {
    this.ops = new Set(ops);
    this.dispatch.attach(owner);
    owner.setBusy(this.busy);
    this.dispatch.flush();
  }

  /**
   * Sorts out what a gone owner held: operations that had started are rejected (they may or may not have had
   * their effect); operations that had not started go back to the head of the queue (or, when closing, are
   * rejected as never run).
   */
  private ownerRetired(owner: OwnerThread, reason: RetireReason, death: OwnerDeath | undefined): void {
    const started = owner.started;
    const requeue: Entry[] = [];
    const closing = this.lifecycle.phase === 'closing' || this.lifecycle.phase === 'closed';
    for (const entry of this.dispatch.takeBack()) {
      if (entry.state !== EntryState.Sent) continue;
      if (entry.seq < started) {
        const error =
          reason === 'crashed'
            ? new SessionCrashedError(entry.label, death?.exitCode, death?.cause)
            : new SessionRestartedError(entry.label, reason);
        this.settle(entry, 'error', error);
      } else if (closing) {
        this.settle(entry, 'cancelled', new ClosedError(entry.label));
      } else {
        requeue.push(entry);
      }
    }
    this.admission.requeue(requeue);
    if (closing) this.rejectNotSent();
    this.depthChanged();
  }

  /** The longest a started operation may run: see ExecutorOptions.hardDeadlineMs. */
  private runAllowanceMs(started: number): number {
    let allowance = this.options.hardDeadlineMs;
    for (const entry of this.dispatch.inFlight.values()) {
      if (entry.seq >= started) break; // in send order: the rest have not started
      if (entry.state === EntryState.Sent && entry.hardDeadlineMs > allowance) allowance = entry.hardDeadlineMs;
    }
    return allowance;
  }

  // ---- restart and close ---------------------------------------------------------------------------------

  restart(): Promise<void> {
    return this.lifecycle.restart();
  }

  close(mode: 'drain' | 'cancel', timeoutMs: number): Promise<void> {
    this.closing ??= this.shutdown(mode, timeoutMs);
    return this.closing;
  }

  private async shutdown(mode: 'drain' | 'cancel', timeoutMs: number): Promise<void> {
    let forceTimer: LongTimer | undefined;
    const forced = new Promise<void>((resolve) => {
      forceTimer = setLongTimeout(resolve, timeoutMs);
    });
    const stopped = this.lifecycle.beginClose(); // synchronously 'closing': later calls get ClosedError
    if (mode === 'cancel') {
      this.rejectNotSent();
      this.dispatch.cancelAll({ why: 'closed' });
    }
    await Promise.race([stopped, forced]);
    // Nothing can drain without a ready owner: closing during a restart (or after failing) cancels the queue.
    if (!this.lifecycle.ready) this.rejectNotSent();
    await Promise.race([this.whenIdle(), forced]);
    await Promise.race([this.lifecycle.closeSession(), forced]);
    this.watchdog.stop();
    this.dispatch.stopSending();
    const owner = await this.lifecycle.finishClose();
    this.rejectNotSent();
    const started = owner?.started ?? 0;
    for (const entry of this.dispatch.takeBack()) {
      if (entry.state === EntryState.Sent) this.settle(entry, 'cancelled', new ClosedError(entry.label, entry.seq < started));
    }
    this.deadlines.stop();
    forceTimer?.clear();
    this.depthChanged();
  }

  private rejectNotSent(): void {
    for (const entry of this.admission.takeAll()) this.settle(entry, 'cancelled', new ClosedError(entry.label));
    this.depthChanged();
  }

  // ---- depth, saturation, idleness, stats ----------------------------------------------------------------

  private depth(): number {
    return this.admission.waiting + this.admission.queued + this.dispatch.inFlight.size;
  }

  private depthChanged(): void {
    const depth = this.depth();
    if (depth > this.highWater) this.highWater = depth;
    this.saturation.update(depth, this.waitingOps);
    const busy = depth > 0;
    if (busy !== this.busy) {
      this.busy = busy;
      this.dispatch.owner?.setBusy(busy);
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
    this.admission.countLabels(counts);
    for (const entry of this.dispatch.inFlight.values()) counts.set(entry.label, (counts.get(entry.label) ?? 0) + 1);
    return [...counts]
      .map(([op, count]) => ({ op, count }))
      .sort((a, b) => b.count - a.count)
      .slice(0, 10);
  };

  private whenIdle(): Promise<void> {
    if (this.depth() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): ExecutorStats {
    let abandoned = 0;
    for (const entry of this.dispatch.inFlight.values()) if (entry.state === EntryState.Abandoned) abandoned++;
    return {
      phase: this.lifecycle.phase,
      waiting: this.admission.waiting,
      queued: this.admission.queued,
      inFlight: this.dispatch.inFlight.size,
      abandoned,
      highWater: this.highWater,
      restarts: this.lifecycle.restarts,
      unknownOps: this.unknownOps,
      saturation: {
        saturated: this.saturation.saturated,
        high: this.saturation.high,
        low: this.saturation.low,
        events: [...this.saturation.events],
      },
      ops: this.metrics.snapshot(),
    };
  }
}
