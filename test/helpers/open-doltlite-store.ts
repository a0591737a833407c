import type { ExecutionContext } from 'ava';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';

/** A fresh in-memory DoltLite store for one test, closed by its teardown. */
export async function openMemoryDoltLite(t: ExecutionContext): Promise<DoltLiteStore> {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  return store;
}
