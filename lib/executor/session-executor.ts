/**
 * SessionExecutor: the public face of the executor. It validates options, forwards to the engine, and emits
 * events; the engine (engine.ts) and its parts (admission, dispatch, lifecycle, watchdog) do the work.
 */
import { EventEmitter } from 'node:events';
import type { OpPhase, SessionFailedError } from '../errors.js';
import type { OpArg, OpName, OpResult, SessionDefinition, SessionSpec } from '../session.js';
import { ExecutorEngine, type BatchOutcome, type ExecutorStats } from './engine.js';
import type { RestartedEvent } from './lifecycle.js';
import type { CallOptions, CloseOptions, ExecutorOptions } from './options.js';
import { resolveCloseOptions, resolveOptions } from './resolve-options.js';
import { argError, checkFactoryToken, describeValue, FACTORY_TOKEN } from '../check-args.js';
import type { SaturationEvent } from './saturation.js';

export type { BatchOutcome, ExecutorPhase, ExecutorStats } from './engine.js';
export type { RestartedEvent } from './lifecycle.js';

/** Lets only {@link SessionExecutor.start} construct an executor. */

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
   * Throws `TypeError`/`RangeError` for invalid options (naming the option and what it accepts; an unknown key
   * is a `TypeError` listing the accepted ones; `null` means the defaults, like `undefined`), and rejects
   * with `SessionOpenError` if `open` fails or exceeds `openTimeoutMs` (no thread is left running).
   */
  static async start<D extends SessionDefinition>(spec: SessionSpec<D>, options: ExecutorOptions = {}): Promise<SessionExecutor<D>> {
    const executor = new SessionExecutor<D>(spec, options, FACTORY_TOKEN);
    await executor.engine.lifecycle.start();
    return executor;
  }

  private readonly engine: ExecutorEngine;

  private constructor(spec: SessionSpec<D>, options: ExecutorOptions, token?: typeof FACTORY_TOKEN) {
    super();
    // `new` from JavaScript (the constructor is private only to TypeScript) would give an executor with no owner
    // thread, whose calls all fail as unknown operations.
    checkFactoryToken(token, 'SessionExecutor', 'SessionExecutor.start(spec, options)');
    if (typeof spec !== 'object' || spec === null || typeof spec.module !== 'string') {
      throw argError(`spec must come from sessionSpec(module, options), got ${describeValue(spec)}`, 'ERR_INVALID_ARG_TYPE');
    }
    this.engine = new ExecutorEngine(spec, resolveOptions(options), (event, payload) => this.emitApart(event, payload));
  }

  /**
   * Emits an event without letting a listener's exception into the engine: events are emitted in the middle of
   * admitting, timing out and recovering operations, and an exception there would fail an unrelated call or
   * leave operations that never settle. The exception is thrown again on the next tick, where it is the
   * process's uncaught exception, as for any listener of an asynchronous event in Node.
   */
  private emitApart(event: string, payload: unknown): void {
    try {
      this.emit(event, payload);
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }

  /**
   * Runs one operation in the owner. Resolves with its result, or rejects with a typed error:
   * `RemoteError` (the op threw; `UnknownOpError` for a name the session does not define, rejected at once),
   * `TimeoutError`, `AbortError`, `QueueFullError`, `SessionCrashedError`, `SessionRestartedError`,
   * `SessionFailedError`, `SerializationError`, `ClosedError`, or `TypeError`/`RangeError` for invalid options.
   */
  call<K extends OpName<D>>(op: K, arg: OpArg<D, K>, options?: CallOptions): Promise<OpResult<D, K>> {
    return this.engine.call(op, arg, options) as Promise<OpResult<D, K>>;
  }

  /**
   * Runs several operations back to back in the owner, with no other operation in between (also with
   * `concurrency` > 1). Resolves with one outcome per operation, in order, whatever the others did: a failing
   * op, an unknown op name or a result that cannot be cloned becomes that op's `{ ok: false, error }` (a
   * `RemoteError`). The batch as a whole has one deadline, one signal and one `onProgress`.
   */
  batch(ops: Array<{ op: OpName<D>; arg: unknown }>, options?: CallOptions): Promise<BatchOutcome[]> {
    return this.engine.batch(ops, options);
  }

  /** A snapshot of the lifecycle phase, queue depths, restarts, saturation events and per-label metrics. */
  stats(): ExecutorStats {
    return this.engine.stats();
  }

  /**
   * Replaces the owner with a fresh one and re-opens the session: the way out of the `failed` phase (the
   * restart streak starts over). Operations running in the old owner are rejected with `SessionRestartedError`;
   * those not started run in the new one. Concurrent calls, and calls while an automatic recovery runs, share
   * that one attempt. If the session cannot be re-opened the executor is left `failed` and this rejects with
   * `SessionFailedError` (its `cause` says why); during or after `close()` it rejects with `ClosedError`.
   */
  restart(): Promise<void> {
    return this.engine.restart();
  }

  /**
   * Stops accepting calls, drains or cancels what is pending (see {@link CloseOptions.mode}), runs the
   * session's `close`, and ends the owner thread. Has its own deadline; idempotent (later calls return the
   * same promise). Stops any restart in progress. Rejects only for invalid options (`TypeError`/`RangeError`,
   * and then closes nothing); a session `close` that throws is logged.
   */
  close(options?: CloseOptions): Promise<void> {
    let resolved;
    try {
      resolved = resolveCloseOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.engine.close(resolved.mode, resolved.timeoutMs);
  }
}
