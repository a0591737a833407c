/**
 * One incarnation of the owner thread: the Worker, its shared progress counters, and the child processes its
 * session registered. The executor replaces the whole incarnation on a restart.
 */
import { Worker } from 'node:worker_threads';
import { setLongTimeout, type LongTimer } from './long-timer.js';
import { OwnerCounters, type MainToOwner, type OwnerToMain, type OwnerWorkerData } from '../protocol.js';

const OWNER_ENTRY = new URL('../../workers/owner.js', import.meta.url);
/** How long a thread gets to reap its killed children before it is terminated. */
const CHILD_REAP_GRACE_MS = 1_000;

/** Why an incarnation ended without being asked to. */
export interface OwnerDeath {
  exitCode?: number;
  cause?: unknown;
  kind: 'exit' | 'error' | 'messageerror';
}

export interface OwnerThreadEvents {
  message(message: OwnerToMain): void;
  died(death: OwnerDeath): void;
}

/**
 * @internal Owner threads of this process: created so far, alive now (thread not yet exited), and the most
 * alive at once. Tests use it to prove that restarts never leave two owners of one session running.
 */
export const ownerCensus = { created: 0, alive: 0, maxAlive: 0 };

export class OwnerThread {
  private readonly worker: Worker;
  private readonly counters = new OwnerCounters();
  private readonly childPids = new Set<number>();
  private alive = true;
  private readonly exited: Promise<void>;

  constructor(
    /** Which incarnation this is; messages and timers of an older one are ignored. */
    readonly generation: number,
    sessionModule: string,
    concurrency: number,
    resourceLimits: Worker['resourceLimits'] | undefined,
    events: OwnerThreadEvents,
  ) {
    this.counters.setLastStartAt(Date.now());
    const workerData: OwnerWorkerData = { sessionModule, progress: this.counters.buffer, concurrency };
    this.worker = new Worker(OWNER_ENTRY, { workerData, resourceLimits, stdout: false, stderr: false });
    ownerCensus.created++;
    ownerCensus.maxAlive = Math.max(ownerCensus.maxAlive, ++ownerCensus.alive);
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        ownerCensus.alive--;
        resolve();
      }),
    );
    this.worker.on('message', (message: OwnerToMain) => {
      if (!Array.isArray(message) && message.type === 'child-process') {
        if (message.pid > 0) this.childPids.add(message.pid);
        else this.childPids.delete(-message.pid);
        return;
      }
      events.message(message);
    });
    // 'error' is followed by 'exit'; report the first, which carries the cause.
    this.worker.on('error', (cause) => this.die(events, { kind: 'error', cause }));
    this.worker.on('messageerror', (cause) => this.die(events, { kind: 'messageerror', cause }));
    this.worker.on('exit', (exitCode) => this.die(events, { kind: 'exit', exitCode }));
  }

  /** Items started by the owner so far (in dispatch order), readable even after the thread died. */
  get started(): number {
    return this.counters.started;
  }

  get finished(): number {
    return this.counters.finished;
  }

  /** Date.now() of the owner's last start of an item (or of the thread's creation). */
  get lastStartAt(): number {
    return this.counters.lastStartAt;
  }

  get isAlive(): boolean {
    return this.alive;
  }

  /** Throws DataCloneError synchronously when the message cannot be cloned. */
  post(message: MainToOwner): void {
    this.worker.postMessage(message);
  }

  /** Keeps the process alive only while operations are pending. */
  setBusy(busy: boolean): void {
    if (busy) this.worker.ref();
    else this.worker.unref();
  }

  /**
   * Ends the thread and SIGKILLs the children its session registered. Resolves when the thread has exited,
   * or after `timeoutMs` (a thread stuck in native code may not stop; we must not hang on it either).
   */
  async terminate(timeoutMs: number): Promise<void> {
    this.alive = false;
    // Held until it is gone (at most the waits below): an idle owner is unreferenced, and a restart waiting for it
    // must not let the process's event loop run empty and exit with the restart pending.
    this.worker.ref();
    const hadChildren = this.childPids.size > 0;
    this.killChildren();
    if (hadChildren) {
      // Let the thread see its children exit before it goes: only the thread that spawned a child reaps it,
      // so terminating it first would leave zombies. A session whose child died ends its thread by itself.
      await this.exitedWithin(CHILD_REAP_GRACE_MS);
    }
    void this.worker.terminate().catch(() => {});
    await this.exitedWithin(timeoutMs);
    this.worker.unref();
  }

  private async exitedWithin(ms: number): Promise<void> {
    let timer: LongTimer | undefined;
    await Promise.race([
      this.exited,
      new Promise<void>((resolve) => {
        timer = setLongTimeout(resolve, ms, { unref: true });
      }),
    ]);
    timer?.clear();
  }

  private killChildren(): void {
    for (const pid of this.childPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    this.childPids.clear();
  }

  private die(events: OwnerThreadEvents, death: OwnerDeath): void {
    if (!this.alive) return;
    this.alive = false;
    // The session's children would outlive the thread that owned them (and, for Python, hold its files).
    this.killChildren();
    events.died(death);
  }
}
