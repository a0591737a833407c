/**
 * Dispatch: moves queued calls to the ready owner and brings their results back.
 *
 * Everything queued in one tick goes out together (in slices, see {@link ITEMS_PER_MESSAGE}), and the owner
 * answers the same way: this batching, not any single fast path, is why the executor beats one-message-per-task
 * pools by an order of magnitude at depth.
 */
import { SerializationError } from '../errors.js';
import {
  ResultStatus,
  encodeRun,
  resultCount,
  resultId,
  resultRunMicros,
  resultStatus,
  resultValue,
  type CancelItem,
  type CancelReason,
  type ResultMessage,
} from '../protocol.js';
import type { Admission } from './admission.js';
import { EntryState, type Entry } from './entry.js';
import type { OwnerThread } from './owner-thread.js';

/**
 * Items per run message. Slices rather than one message: the owner starts on the first slice while this
 * thread still clones the next, so the two threads overlap instead of taking turns; measured best between
 * 32 and 64.
 */
const ITEMS_PER_MESSAGE = 64;

export interface DispatchHost {
  /** A result (or an error reported by the owner) for a call whose caller still waits. */
  completed(entry: Entry, status: ResultStatus, value: unknown, runMicros: number, now: number): void;
  /** The owner skipped a call the main side had given up on (or cancelled by close). */
  skipped(entry: Entry): void;
  /** A call could not be sent (its argument cannot be cloned). */
  unsendable(entry: Entry, error: SerializationError): void;
  progress(entry: Entry, value: unknown): void;
  progressDropped(entry: Entry): void;
  /** A results message arrived: the owner is healthy. */
  resultsArrived(): void;
  /** After every flush and every results message. */
  afterChange(): void;
}

export class Dispatch {
  /** Calls sent to the current owner and not yet reported back, in send order. */
  readonly inFlight = new Map<number, Entry>();
  /** The owner calls go to; null while there is no ready owner. */
  owner: OwnerThread | null = null;
  private nextSeq = 0;
  private cancels: CancelItem[] = [];
  private flushScheduled = false;

  constructor(
    private readonly admission: Admission,
    private readonly maxInFlight: number,
    private readonly host: DispatchHost,
  ) {}

  /** Starts dispatching to a freshly opened owner. */
  attach(owner: OwnerThread): void {
    this.owner = owner;
    this.nextSeq = 0;
    this.cancels = [];
  }

  /** Sends nothing more to the current owner; what it holds stays in flight until {@link takeBack}. */
  stopSending(): void {
    this.owner = null;
    this.cancels = [];
  }

  /** Hands back what the retired owner held, in send order. */
  takeBack(): Entry[] {
    const held = [...this.inFlight.values()];
    this.inFlight.clear();
    return held;
  }

  scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Everything queued in this tick goes out as one message.
    queueMicrotask(this.flush);
  }

  /** Tells the owner the main side gave up on a call it holds: skipped if not started, its signal aborted if running. */
  cancel(entry: Entry, reason: CancelReason): void {
    this.cancels.push({ id: entry.id, reason });
    this.scheduleFlush();
  }

  cancelAll(reason: CancelReason): void {
    for (const entry of this.inFlight.values()) this.cancels.push({ id: entry.id, reason });
    this.scheduleFlush();
  }

  readonly flush = (): void => {
    this.flushScheduled = false;
    const owner = this.owner;
    if (!owner?.isAlive) return;
    if (this.cancels.length > 0) {
      owner.post({ type: 'cancel', items: this.cancels });
      this.cancels = [];
    }
    this.admission.admitWaiting();
    let room = this.maxInFlight - this.inFlight.size;
    if (room <= 0 || this.admission.queued === 0) return;
    const batch: Entry[] = [];
    while (room-- > 0) {
      const entry = this.admission.next();
      if (!entry) break;
      batch.push(entry);
    }
    for (let start = 0; start < batch.length; start += ITEMS_PER_MESSAGE) {
      this.send(owner, batch, start, Math.min(batch.length, start + ITEMS_PER_MESSAGE));
    }
    this.admission.admitWaiting();
    this.host.afterChange();
  };

  private send(owner: OwnerThread, batch: Entry[], start: number, end: number): void {
    try {
      owner.post(encodeRun(batch, start, end));
      for (let i = start; i < end; i++) this.markSent(batch[i]!);
    } catch {
      // Something in the slice cannot be cloned: send one by one to fail only the culprits.
      for (let i = start; i < end; i++) {
        const entry = batch[i]!;
        try {
          owner.post(encodeRun(batch, i, i + 1));
          this.markSent(entry);
        } catch (error) {
          this.host.unsendable(entry, new SerializationError(entry.label, 'argument', error));
        }
      }
    }
  }

  private markSent(entry: Entry): void {
    entry.state = EntryState.Sent;
    entry.seq = this.nextSeq++;
    this.inFlight.set(entry.id, entry);
  }

  /** Settles the calls a results message reports on, delivers progress reports, then sends more work. */
  onResults(message: ResultMessage): void {
    this.host.resultsArrived();
    const now = performance.now();
    const count = resultCount(message);
    for (let i = 0; i < count; i++) {
      const id = resultId(message, i);
      const status = resultStatus(message, i);
      const entry = this.inFlight.get(id);
      if (!entry) continue;
      if (status >= ResultStatus.Progress) {
        if (entry.state !== EntryState.Sent) continue; // the caller gave up: no progress after the answer
        if (status === ResultStatus.Progress) this.host.progress(entry, resultValue(message, i));
        else this.host.progressDropped(entry);
        continue;
      }
      this.inFlight.delete(id);
      if (entry.state !== EntryState.Sent) continue; // abandoned: the caller already has its answer
      if (status === ResultStatus.Skipped) this.host.skipped(entry);
      else this.host.completed(entry, status, resultValue(message, i), resultRunMicros(message, i), now);
    }
    this.flush();
    this.host.afterChange();
  }
}
