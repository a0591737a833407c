/**
 * `exists(collection, id)` over a bulk `existing(collection, ids)`: concurrent calls for one collection share
 * one bulk call per batch (see Coalescer). Used by the Chroma facade and both version stores.
 */
import { Coalescer } from './coalescer.js';

export class ExistsCoalescer {
  private readonly loaders = new Map<string, Coalescer<string, boolean>>();

  constructor(
    private readonly existing: (collection: string, ids: string[]) => Promise<Set<string>>,
    private readonly maxBatchSize: number,
  ) {}

  exists(collection: string, id: string): Promise<boolean> {
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
