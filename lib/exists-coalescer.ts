/**
 * `exists(collection, id)` over a bulk `existing(collection, ids)`: concurrent calls for one collection share
 * one bulk call per batch (see Coalescer). Used by the Chroma facade and both version stores.
 */
import { argError, checkWholeNumber, describeValue } from './check-args.js';
import { Coalescer } from './coalescer.js';

export class ExistsCoalescer {
  private readonly loaders = new Map<string, Coalescer<string, boolean>>();

  constructor(
    private readonly existing: (collection: string, ids: string[]) => Promise<Set<string>>,
    private readonly maxBatchSize: number,
  ) {
    if (typeof existing !== 'function') {
      throw argError(`ExistsCoalescer: existing must be a function, got ${describeValue(existing)}`, 'ERR_INVALID_ARG_TYPE');
    }
    if (maxBatchSize !== Infinity) checkWholeNumber('ExistsCoalescer', 'maxBatchSize', maxBatchSize, 1, undefined, false);
  }

  /** Rejects with `ERR_INVALID_ARG_TYPE` unless both are strings: a number would never match a stored id. */
  exists(collection: string, id: string): Promise<boolean> {
    if (typeof collection !== 'string' || typeof id !== 'string') {
      const [name, value] = typeof collection !== 'string' ? ['collection', collection] : ['id', id];
      return Promise.reject(argError(`exists: ${name} must be a string, got ${describeValue(value)}`, 'ERR_INVALID_ARG_TYPE'));
    }
    let loader = this.loaders.get(collection);
    if (!loader) {
      loader = new Coalescer(
        async (ids: readonly string[]) => {
          const found = await this.existing(collection, [...ids]);
          return ids.map((candidate) => found.has(candidate));
        },
        { maxBatchSize: this.maxBatchSize },
      );
      this.loaders.set(collection, loader);
    }
    return loader.load(id);
  }

  /** Drops the loader of a collection that was deleted. */
  forget(collection: string): void {
    this.loaders.delete(collection);
  }
}
