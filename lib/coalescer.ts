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
import { argError, checkOptions, checkWholeNumber, describeValue } from './check-args.js';

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

/** One tick's keys, in parallel arrays (fewer allocations per key than an object per key). */
interface Batch<K, V> {
  keys: K[];
  resolves: Array<(value: V) => void>;
  rejects: Array<(error: unknown) => void>;
  /** Position of each distinct key in `keys`. */
  index: Map<unknown, number>;
  /** Repeated keys: flat triples of [position, resolve, reject]. */
  repeats: unknown[];
}

export class Coalescer<K, V> {
  private readonly maxBatchSize: number;
  private readonly keyOf: ((key: K) => unknown) | undefined;
  private batch: Batch<K, V> | null = null;
  /** Bulk calls made so far. */
  bulkCalls = 0;
  /** Distinct keys sent so far (after deduplication). */
  keysSent = 0;

  constructor(
    private readonly bulkLoad: BulkLoad<K, V>,
    options: CoalescerOptions<K> = {},
  ) {
    if (typeof bulkLoad !== 'function') {
      throw argError(`Coalescer: the bulk load must be a function, got ${describeValue(bulkLoad)}`, 'ERR_INVALID_ARG_TYPE');
    }
    const { maxBatchSize = 1000, keyOf } = checkOptions('Coalescer', options, ['maxBatchSize', 'keyOf']);
    // NaN or a fraction would cut batches at fractional positions: keys sent twice, or never settled.
    if (maxBatchSize !== Infinity) checkWholeNumber('Coalescer', 'maxBatchSize', maxBatchSize, 1);
    if (keyOf !== undefined && typeof keyOf !== 'function') {
      throw argError(`Coalescer: keyOf must be a function, got ${describeValue(keyOf)}`, 'ERR_INVALID_ARG_TYPE');
    }
    this.maxBatchSize = maxBatchSize as number;
    this.keyOf = keyOf as ((key: K) => unknown) | undefined;
  }

  /** Resolves with the key's value from the next bulk call; rejects (this key alone) if `keyOf` throws. */
  load(key: K): Promise<V> {
    let id: unknown = key;
    if (this.keyOf) {
      try {
        id = this.keyOf(key);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    let batch = this.batch;
    if (!batch) {
      batch = this.batch = { keys: [], resolves: [], rejects: [], index: new Map(), repeats: [] };
      void Promise.resolve().then(() => process.nextTick(this.dispatch));
    }
    const at = batch.index.get(id);
    return new Promise<V>((resolve, reject) => {
      if (at !== undefined) {
        batch.repeats.push(at, resolve, reject);
      } else {
        batch.index.set(id, batch.keys.length);
        batch.keys.push(key);
        batch.resolves.push(resolve);
        batch.rejects.push(reject);
      }
    });
  }

  private readonly dispatch = (): void => {
    const batch = this.batch!;
    this.batch = null;
    for (let start = 0; start < batch.keys.length; start += this.maxBatchSize) {
      void this.run(batch, start, Math.min(batch.keys.length, start + this.maxBatchSize));
    }
  };

  private async run(batch: Batch<K, V>, start: number, end: number): Promise<void> {
    this.bulkCalls++;
    this.keysSent += end - start;
    const keys = start === 0 && end === batch.keys.length ? batch.keys : batch.keys.slice(start, end);
    let results: ReadonlyArray<V | Error>;
    try {
      results = await this.bulkLoad(keys);
      if (!Array.isArray(results) || results.length !== keys.length) {
        throw Object.assign(
          new TypeError(`Coalescer: the bulk load returned ${Array.isArray(results) ? results.length : describeValue(results)} results for ${keys.length} keys`),
          { code: 'ERR_INVALID_RETURN_VALUE' },
        );
      }
    } catch (error) {
      for (let i = start; i < end; i++) batch.rejects[i]!(error);
      this.settleRepeats(batch, start, end, () => error, true);
      return;
    }
    for (let i = start; i < end; i++) {
      const result = results[i - start]!;
      if (result instanceof Error) batch.rejects[i]!(result);
      else batch.resolves[i]!(result as V);
    }
    this.settleRepeats(batch, start, end, (i) => results[i - start], false);
  }

  private settleRepeats(batch: Batch<K, V>, start: number, end: number, outcome: (i: number) => unknown, failed: boolean): void {
    const repeats = batch.repeats;
    for (let r = 0; r < repeats.length; r += 3) {
      const at = repeats[r] as number;
      if (at < start || at >= end) continue;
      const result = outcome(at);
      if (failed || result instanceof Error) (repeats[r + 2] as (error: unknown) => void)(result);
      else (repeats[r + 1] as (value: V) => void)(result as V);
    }
  }
}
