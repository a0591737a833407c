/**
 * Admission: the calls accepted but not yet sent to the owner, in FIFO order, and the calls waiting for room
 * when the queue is full and `whenFull` is `'wait'`.
 *
 * Entries leave lazily: a call that times out or is aborted is only marked (its state changes) and counted
 * out; its slot is skipped when it reaches the head. That keeps giving up O(1).
 */
import { EntryState, type Entry } from './entry.js';
import { Fifo } from './fifo.js';

export class Admission {
  private readonly waitingList = new Fifo<Entry>();
  private readonly queue = new Fifo<Entry>();
  /** Live entries (state Waiting) in `waitingList`. */
  waiting = 0;
  /** Live entries (state Queued) in `queue`. */
  queued = 0;

  constructor(private readonly maxQueue: number) {}

  /** Whether a new call must wait (or be rejected): the queue is full, or earlier calls already wait. */
  get full(): boolean {
    return this.queued >= this.maxQueue || this.waiting > 0;
  }

  enqueue(entry: Entry): void {
    entry.state = EntryState.Queued;
    this.queue.push(entry);
    this.queued++;
  }

  hold(entry: Entry): void {
    entry.state = EntryState.Waiting;
    this.waitingList.push(entry);
    this.waiting++;
  }

  /** Counts out an entry that gave up while waiting or queued (its slot is skipped later). */
  forget(entry: Entry): void {
    if (entry.state === EntryState.Waiting) this.waiting--;
    else if (entry.state === EntryState.Queued) this.queued--;
  }

  /** Moves waiting calls into the queue while there is room. */
  admitWaiting(): void {
    while (this.waiting > 0 && this.queued < this.maxQueue) {
      const entry = this.waitingList.shift()!;
      if (entry.state !== EntryState.Waiting) continue;
      this.waiting--;
      this.enqueue(entry);
    }
  }

  /** The next live queued entry, removed from the queue (the caller sends it). */
  next(): Entry | undefined {
    for (let entry = this.queue.shift(); entry; entry = this.queue.shift()) {
      if (entry.state === EntryState.Queued) {
        this.queued--;
        return entry;
      }
    }
    return undefined;
  }

  /** Puts entries an owner never started back at the head of the queue, in their order. */
  requeue(entries: Entry[]): void {
    for (const entry of entries) entry.state = EntryState.Queued;
    this.queue.unshiftAll(entries);
    this.queued += entries.length;
  }

  /** Removes every live entry, waiting ones first (they are the newest), and returns them. */
  takeAll(): Entry[] {
    const live: Entry[] = [];
    for (const entry of this.queue.drain()) if (entry.state === EntryState.Queued) live.push(entry);
    for (const entry of this.waitingList.drain()) if (entry.state === EntryState.Waiting) live.push(entry);
    this.waiting = this.queued = 0;
    return live;
  }

  /** Counts live entries per label (for saturation reports). */
  countLabels(into: Map<string, number>): void {
    for (const entry of this.queue) if (entry.state === EntryState.Queued) into.set(entry.label, (into.get(entry.label) ?? 0) + 1);
  }
}
