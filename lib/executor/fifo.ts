/**
 * A first-in first-out queue over an array and a head index: the one queue type of the executor, used on the
 * main side (calls waiting for room, calls queued for the owner) and in the owner (run messages not yet started).
 *
 * Why not `Array.prototype.shift`: it is O(n) per call once an array is large, and a queue of 100,000 calls
 * would spend its time moving elements. Here a shift clears one slot and moves the head; an emptied queue
 * starts a fresh array, and a large array is compacted only when more than half of it is consumed.
 */
const COMPACT_AFTER = 1024;

export class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  /** Items in the queue. */
  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The item `offset` places behind the head, without removing it. */
  peek(offset = 0): T | undefined {
    return this.items[this.head + offset];
  }

  /** Removes and returns the head item; the slot is cleared so the queue keeps nothing alive. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      // A fresh array: truncating with `length = 0` goes through a slower runtime path in V8.
      this.items = [];
      this.head = 0;
    } else if (this.head > COMPACT_AFTER && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Puts `items` in front of the queue, in their order (used to requeue work an owner never started). */
  unshiftAll(items: readonly T[]): void {
    if (items.length === 0) return;
    this.items = (items as Array<T | undefined>).concat(this.items.slice(this.head));
    this.head = 0;
  }

  /** Empties the queue and returns what it held, in order. */
  drain(): T[] {
    const rest = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return rest;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}
