/**
 * Coalescer: `load(key)` calls made in the same tick become one call of a bulk function.
 *
 * Scheduling follows DataLoader: the batch is sent after the current tick's promise jobs have run (a promise
 * job that schedules a nextTick), so keys requested from `.then` callbacks of already-resolved promises in the
 * same tick still join it. Keys are deduplicated, split into bulk calls of at most `maxBatchSize`, and each key
 * gets its own result or error. No bulk call is ever made with no keys. Nothing is cached across ticks.
 *
 * Written here rather than taken from the `dataloader` package: it is one screenful, has no cache to turn off,
 * and measured no slower (see BENCHMARKS.md, "coalescer").
 */

/**
 * Looks up many keys at once. Resolves with one entry per key, in the same order: a value, or an `Error`
 * for that key alone. Rejecting fails every key of that call.
 */
export type BulkLoad<K, V> = (keys: readonly K[]) => PromiseLike<ReadonlyArray<V | Error>> | ReadonlyArray<V | Error>;

export interface CoalescerOptions<K> {
  /**
   * Most keys in one bulk call; larger batches are split into several calls made at the same time.
   * @default 1000
   */
  maxBatchSize?: number;
  /**
   * Maps a key to the value used to recognise duplicates (keys are compared with `Map` semantics).
   * Needed for object keys. @default the key itself
   */
  keyOf?: (key: K) => unknown;
}

interface Waiter<V> {
  resolve(value: V): void;
  reject(error: unknown): void;
}

export class Coalescer<K, V> {
  private readonly maxBatchSize: number;
  private readonly keyOf: (key: K) => unknown;
  private pending = new Map<unknown, { key: K; waiters: Array<Waiter<V>> }>();
  private scheduled = false;
  /** Bulk calls made so far. */
  bulkCalls = 0;
  /** Distinct keys sent so far (after deduplication). */
  keysSent = 0;

  constructor(
    private readonly bulkLoad: BulkLoad<K, V>,
    options: CoalescerOptions<K> = {},
  ) {
    this.maxBatchSize = Math.max(1, options.maxBatchSize ?? 1000);
    this.keyOf = options.keyOf ?? ((key) => key);
  }

  /** Resolves with the key's value from the next bulk call. */
  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const id = this.keyOf(key);
      const slot = this.pending.get(id);
      if (slot) slot.waiters.push({ resolve, reject });
      else this.pending.set(id, { key, waiters: [{ resolve, reject }] });
      if (!this.scheduled) {
        this.scheduled = true;
        void Promise.resolve().then(() => process.nextTick(this.dispatch));
      }
    });
  }

  private readonly dispatch = (): void => {
    this.scheduled = false;
    const slots = [...this.pending.values()];
    this.pending = new Map();
    for (let i = 0; i < slots.length; i += this.maxBatchSize) {
      void this.run(slots.slice(i, i + this.maxBatchSize));
    }
  };

  private async run(slots: Array<{ key: K; waiters: Array<Waiter<V>> }>): Promise<void> {
    this.bulkCalls++;
    this.keysSent += slots.length;
    let results: ReadonlyArray<V | Error>;
    try {
      results = await this.bulkLoad(slots.map((slot) => slot.key));
      if (!Array.isArray(results) || results.length !== slots.length) {
        throw new TypeError(
          `bulk load returned ${Array.isArray(results) ? results.length : typeof results} results for ${slots.length} keys`,
        );
      }
    } catch (error) {
      for (const slot of slots) for (const waiter of slot.waiters) waiter.reject(error);
      return;
    }
    slots.forEach((slot, i) => {
      const result = results[i]!;
      for (const waiter of slot.waiters) {
        if (result instanceof Error) waiter.reject(result);
        else waiter.resolve(result as V);
      }
    });
  }
}
