/**
 * The owner's lifecycle, as one state machine:
 *
 * ```
 *   opening ──► ready ──► restarting ──► ready
 *      │          │  ▲        │   ▲
 *      │          │  └────────┘   │ (owner died or wedged: retire, back off, re-open, up to maxRestarts)
 *      │          │        └──► failed ──(restart())──► restarting
 *      └──► closed ◄── closing ◄── (close() from any state)
 * ```
 *
 * Three rules keep it safe under concurrent use:
 * - **Exactly one owner.** An owner is terminated, and its thread has exited, before the next one is created;
 *   a session that holds files (a Python client on a Chroma directory) must never see two of itself.
 * - **Generations.** Every owner has a generation number; its messages, its death and its open timer are
 *   ignored once it is no longer the current owner, so a superseded attempt cannot disturb a healthy one.
 * - **Single flight.** One recovery at a time: `restart()` during a restart or an automatic recovery shares
 *   that attempt (and cuts its back-off short) instead of opening another owner.
 */
import { ClosedError, SessionFailedError, SessionOpenError } from '../errors.js';
import type { Logger } from '../logger.js';
import { deserializeError, type ResultMessage, type OwnerToMain } from '../protocol.js';
import type { SessionSpec } from '../session.js';
import { setLongTimeout, type LongTimer } from './long-timer.js';
import { MAX_RESTART_BACKOFF_MS, TERMINATE_WAIT_MS } from './options.js';
import { OwnerThread, type OwnerDeath } from './owner-thread.js';
import type { ResolvedOptions } from './resolve-options.js';

export type LifecyclePhase = 'opening' | 'ready' | 'restarting' | 'failed' | 'closing' | 'closed';

export interface RestartedEvent {
  reason: 'crashed' | 'wedged' | 'open-failed' | 'manual';
  /** Restart attempt in the current streak (1 for the first). */
  attempt: number;
  cause?: unknown;
}

/** Why an owner is being retired. */
export type RetireReason = 'crashed' | 'wedged' | 'manual' | 'closed';

export interface LifecycleHost {
  /** A new owner opened the session: dispatch to it. `ops` are the names the session defines. */
  ownerReady(owner: OwnerThread, ops: readonly string[]): void;
  /** An owner is being retired: send it nothing more (called before it is terminated). */
  ownerRetiring(owner: OwnerThread): void;
  /** An owner has exited: settle or requeue what it held. Called after its thread is gone. */
  ownerRetired(owner: OwnerThread, reason: RetireReason, death: OwnerDeath | undefined): void;
  /** Results (and progress reports) from the ready owner. */
  results(message: ResultMessage): void;
  /** The lifecycle entered `failed`: fail every call not sent to an owner. */
  failed(error: SessionFailedError): void;
  restarted(event: RestartedEvent): void;
}

interface Opening {
  owner: OwnerThread;
  settle(error: unknown, ops?: readonly string[]): void;
}

const noop = (): void => {};

export class Lifecycle {
  phase: LifecyclePhase = 'opening';
  /** Automatic restarts so far (crashes, wedges, failed re-opens). */
  restarts = 0;
  /** The current owner; `ready` once its session is open. */
  owner: OwnerThread | null = null;
  ready = false;

  private generation = 0;
  /** Automatic restarts since the last success. */
  private streak = 0;
  private recovery: Promise<void> | null = null;
  private opening: Opening | null = null;
  private backoff: { timer: LongTimer; wake(): void } | null = null;
  /** A restart() joined the recovery: skip its next back-off. */
  private hurry = false;
  private sessionClosed: (() => void) | null = null;
  /** A retirement in progress (the old owner's thread may still be exiting). */
  private retiring: Promise<void> | null = null;

  constructor(
    private readonly spec: SessionSpec,
    private readonly options: ResolvedOptions,
    private readonly logger: Logger,
    private readonly host: LifecycleHost,
  ) {}

  /** Opens the first owner. On failure the lifecycle ends `closed` with no owner left. */
  async start(): Promise<void> {
    try {
      await this.openOwner();
    } catch (error) {
      this.phase = 'closed';
      throw error;
    }
    this.phase = 'ready';
  }

  /** An operation succeeded: the restart streak starts over. */
  succeeded(): void {
    this.streak = 0;
  }

  /**
   * Replaces the owner and re-opens the session. Concurrent calls, and calls during an automatic recovery,
   * share one attempt. A failed re-open leaves the lifecycle `failed` and rejects.
   */
  restart(): Promise<void> {
    if (this.phase === 'closing' || this.phase === 'closed') return Promise.reject(new ClosedError('restart'));
    if (this.recovery) {
      // Join it, and let it open the new owner now rather than after its back-off (in progress or to come).
      this.hurry = true;
      this.backoff?.wake();
      return this.recovery;
    }
    this.streak = 0;
    return this.recover('manual', undefined, undefined);
  }

  /** The watchdog found `owner` stuck. */
  wedged(owner: OwnerThread): void {
    if (owner !== this.owner || !this.ready) return;
    this.logger.error({ hardDeadlineMs: this.options.hardDeadlineMs }, 'session owner wedged; restarting it');
    this.ownerLost('wedged', undefined);
  }

  /**
   * First step of `close()`: no restart or open from now on. An open in progress is abandoned (its owner
   * terminated); resolves once no recovery is running, so at most the ready owner is left.
   */
  async beginClose(): Promise<void> {
    this.phase = 'closing';
    this.backoff?.wake();
    this.opening?.settle(new ClosedError('open'));
    if (this.recovery) await this.recovery.catch(noop);
  }

  /** Asks the ready owner to run the session's `close`; resolves when it did (or the owner died). */
  closeSession(): Promise<void> {
    const owner = this.owner;
    if (!owner || !this.ready || !owner.isAlive) return Promise.resolve();
    return new Promise((resolve) => {
      this.sessionClosed = resolve;
      owner.post({ type: 'close' });
    });
  }

  /** Last step of `close()`: terminates the owner (bounded) and ends `closed`. Returns the retired owner. */
  async finishClose(): Promise<OwnerThread | null> {
    const owner = this.owner;
    this.owner = null;
    this.ready = false;
    this.generation++;
    if (owner) await owner.terminate(TERMINATE_WAIT_MS);
    if (this.retiring) await this.retiring;
    this.phase = 'closed';
    return owner;
  }

  // ---- recovery ------------------------------------------------------------------------------------------

  /** The ready owner died or wedged: retire it, then recover (or fail, after too many in a row). */
  private ownerLost(reason: 'crashed' | 'wedged', death: OwnerDeath | undefined): void {
    if (this.phase === 'closing') {
      // No new owner while closing; the close goes on with what is left.
      void this.retire(reason, death);
      return;
    }
    void this.recover(reason, death, death?.cause).catch(noop);
  }

  private recover(reason: RestartedEvent['reason'], death: OwnerDeath | undefined, cause: unknown): Promise<void> {
    this.phase = 'restarting';
    const run = this.runRecovery(reason, death, cause);
    this.recovery = run;
    const clear = () => {
      if (this.recovery === run) this.recovery = null;
    };
    run.then(clear, clear);
    return run;
  }

  private async runRecovery(reason: RestartedEvent['reason'], death: OwnerDeath | undefined, cause: unknown): Promise<void> {
    await this.retire(reason === 'manual' ? 'manual' : (reason as 'crashed' | 'wedged'), death);
    let attempt = reason === 'manual' ? 1 : this.countRestart(cause);
    for (;;) {
      if (this.phase !== 'restarting') throw new ClosedError('restart'); // closed while retiring or opening
      if (reason !== 'manual' && !this.hurry) {
        const base = this.options.restartBackoffMs;
        const delay = Math.min(base * 2 ** (attempt - 1), Math.max(MAX_RESTART_BACKOFF_MS, base));
        this.logger.warn({ reason, attempt, delayMs: delay }, 'restarting session owner');
        await this.sleep(delay);
      }
      this.hurry = false;
      if (this.phase !== 'restarting') throw new ClosedError('restart');
      try {
        await this.openOwner();
      } catch (error) {
        if (this.phase !== 'restarting') throw new ClosedError('restart');
        if (reason === 'manual') throw this.fail(error, `the session could not be re-opened by restart(); call restart() or close()`);
        reason = 'open-failed';
        cause = error;
        attempt = this.countRestart(error);
        continue;
      }
      this.phase = 'ready';
      this.host.restarted({ reason, attempt, cause });
      return;
    }
  }

  /** Counts one automatic restart; throws the `failed` error when the streak is over the limit. */
  private countRestart(cause: unknown): number {
    this.restarts++;
    this.streak++;
    if (this.streak > this.options.maxRestarts) {
      throw this.fail(cause, `the session owner failed ${this.streak} times in a row; call restart() or close()`);
    }
    return this.streak;
  }

  private fail(cause: unknown, message: string): SessionFailedError {
    this.phase = 'failed';
    // The failing attempt is over: a restart() from a 'failed' listener must start a new one, not join this.
    this.recovery = null;
    const error = new SessionFailedError(message, cause);
    this.logger.error({ restarts: this.streak }, 'session failed; giving up restarting');
    this.host.failed(error);
    return error;
  }

  /** Ends the current owner and waits until its thread is gone, then lets the host sort out what it held. */
  private retire(reason: RetireReason, death: OwnerDeath | undefined): Promise<void> {
    const owner = this.owner;
    this.owner = null;
    this.ready = false;
    this.generation++;
    if (!owner) return Promise.resolve();
    this.host.ownerRetiring(owner);
    const retiring = owner.terminate(TERMINATE_WAIT_MS).then(() => {
      if (this.retiring === retiring) this.retiring = null;
      this.host.ownerRetired(owner, reason, death);
    });
    this.retiring = retiring;
    return retiring;
  }

  /** A back-off delay that `restart()` (skip it) and `close()` (stop) can cut short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        timer.clear();
        this.backoff = null;
        resolve();
      };
      const timer = setLongTimeout(wake, ms);
      this.backoff = { timer, wake };
    });
  }

  // ---- one owner ------------------------------------------------------------------------------------------

  /** Starts a new owner and opens the session in it. On failure the owner is gone before this rejects. */
  private openOwner(): Promise<void> {
    const generation = ++this.generation;
    const owner = new OwnerThread(generation, this.spec.module, this.options.concurrency, this.options.resourceLimits, {
      message: (message) => this.onMessage(owner, message),
      died: (death) => this.onDied(owner, death),
    });
    this.owner = owner;
    this.ready = false;
    return new Promise<void>((resolve, reject) => {
      const timeoutMs = this.options.openTimeoutMs;
      const timer = setLongTimeout(
        () => opening.settle(new SessionOpenError(`the session did not open within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const opening: Opening = {
        owner,
        settle: (error, ops) => {
          if (this.opening !== opening) return; // superseded: a stale timer or message
          this.opening = null;
          timer.clear();
          if (error === undefined && owner === this.owner) {
            this.ready = true;
            this.host.ownerReady(owner, ops ?? []);
            resolve();
            return;
          }
          if (this.owner === owner) {
            this.owner = null;
            this.generation++;
          }
          void owner.terminate(TERMINATE_WAIT_MS).then(() => reject(error));
        },
      };
      this.opening = opening;
      try {
        owner.post({ type: 'open', options: this.spec.options });
      } catch (error) {
        opening.settle(new SessionOpenError('the session options cannot be sent to the owner thread', error));
      }
    });
  }

  private onMessage(owner: OwnerThread, message: OwnerToMain): void {
    if (owner !== this.owner) return;
    if (Array.isArray(message)) {
      if (this.ready) this.host.results(message);
      return;
    }
    switch (message.type) {
      case 'opened':
        if (this.opening?.owner === owner) this.opening.settle(undefined, message.ops);
        break;
      case 'open-failed':
        this.opening?.settle(
          new SessionOpenError(`the session failed to open: ${message.error.message}`, deserializeError(message.error)),
        );
        break;
      case 'closed':
        if (message.error) this.logger.error({ error: message.error.message }, 'session close failed');
        this.sessionClosed?.();
        this.sessionClosed = null;
        break;
    }
  }

  private onDied(owner: OwnerThread, death: OwnerDeath): void {
    if (owner !== this.owner) return;
    const cause = death.cause ?? (death.exitCode === undefined ? undefined : new Error(`exit code ${death.exitCode}`));
    if (this.opening?.owner === owner) {
      // The cause's first line says why (a session module that cannot be found or loaded fails here).
      const why = death.cause instanceof Error ? `: ${death.cause.message.split('\n')[0]}` : '';
      this.opening.settle(new SessionOpenError(`the owner thread died while opening the session (${death.kind})${why}`, cause));
      return;
    }
    this.sessionClosed?.();
    this.sessionClosed = null;
    this.logger.error({ kind: death.kind, exitCode: death.exitCode }, 'session owner thread died');
    this.ownerLost('crashed', death);
  }
}
