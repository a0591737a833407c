/**
 * One structure holds the deadlines of all pending operations, with one timer armed for the earliest.
 *
 * Why not a timer per operation: arming and clearing a timer or an AbortSignal per call costs more than the
 * whole round trip we are trying to keep cheap (measured on Node 20: a setTimeout pair 0.33 us, an
 * AbortSignal.timeout with its listener 8-10 us, an add and remove here 0.1 us).
 *
 * Why lists per duration instead of a heap: almost every call uses one of a few timeouts. Within one duration,
 * later calls have later deadlines, so a FIFO list per duration is already sorted: add and remove are O(1)
 * (removal is the common case: most operations settle long before their deadline), and the earliest deadline
 * is the minimum over the list heads. Node's own timers are organised the same way.
 */

import { timerDelay } from './long-timer.js';

/** An entry that can sit in the deadline queue. Fields are owned by the queue. */
export interface DeadlineEntry {
  deadline: number;
  dlPrev: DeadlineEntry | null;
  dlNext: DeadlineEntry | null;
  dlList: DeadlineList | null;
}

interface DeadlineList {
  duration: number;
  first: DeadlineEntry | null;
  last: DeadlineEntry | null;
}

/** How many per-duration lists may exist before the empty ones are dropped. */
const MAX_IDLE_LISTS = 64;

export class DeadlineQueue<Entry extends DeadlineEntry> {
  private readonly lists = new Map<number, DeadlineList>();
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;

  /** @param onExpire called for each entry whose deadline passed; the entry is already removed. */
  constructor(
    private readonly onExpire: (entry: Entry) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Adds an entry that expires `duration` ms after `start` (a performance.now() reading the caller already has). */
  add(entry: Entry, duration: number, start: number = this.now()): void {
    const deadline = start + duration;
    entry.deadline = deadline;
    let list = this.lists.get(duration);
    if (!list) {
      if (this.lists.size >= MAX_IDLE_LISTS) this.pruneEmptyLists();
      list = { duration, first: null, last: null };
      this.lists.set(duration, list);
    }
    entry.dlList = list;
    entry.dlNext = null;
    entry.dlPrev = list.last;
    if (list.last) list.last.dlNext = entry;
    else list.first = entry;
    list.last = entry;
    if (deadline < this.armedFor) this.arm(deadline);
  }

  /** Removes an entry if present. O(1). The timer is left as is: a spurious wake-up is cheaper than re-arming. */
  remove(entry: Entry): void {
    const list = entry.dlList;
    if (!list) return;
    if (entry.dlPrev) entry.dlPrev.dlNext = entry.dlNext;
    else list.first = entry.dlNext;
    if (entry.dlNext) entry.dlNext.dlPrev = entry.dlPrev;
    else list.last = entry.dlPrev;
    entry.dlPrev = entry.dlNext = null;
    entry.dlList = null;
  }

  /** Stops the timer. Entries stay; call when nothing should expire any more. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
  }

  /**
   * Lists are kept when they empty (the next call with the same timeout reuses them), so callers passing many
   * distinct timeouts would grow the map without bound; drop the empty ones once there are many.
   */
  private pruneEmptyLists(): void {
    for (const [duration, list] of this.lists) if (!list.first) this.lists.delete(duration);
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    // +1: setTimeout may fire a fraction of a millisecond early relative to performance.now().
    // A deadline beyond setTimeout's range is clamped: fire() then finds nothing due and re-arms for it.
    this.timer = setTimeout(this.fire, timerDelay(at - this.now() + 1));
    // Pending work keeps the process alive through the owner thread's handle, not through this timer.
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.armedFor = Infinity;
    const now = this.now();
    const expired: Entry[] = [];
    let next = Infinity;
    for (const [duration, list] of this.lists) {
      let entry = list.first;
      while (entry && entry.deadline <= now) {
        const following: DeadlineEntry | null = entry.dlNext;
        this.remove(entry as Entry);
        expired.push(entry as Entry);
        entry = following;
      }
      if (entry) next = Math.min(next, entry.deadline);
      else this.lists.delete(duration);
    }
    if (next !== Infinity) this.arm(next);
    for (const entry of expired) this.onExpire(entry);
  };
}
