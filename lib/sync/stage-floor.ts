/**
 * Which flagged chunks are still to stage, without rewriting chunks when a stage commits.
 *
 * Writes through the library mark their chunks `is_local_change` and stamp them with their `write_id`, which
 * grows with time (see nextWriteId). A stage never clears those flags (in chromadb, updating a chunk's metadata
 * costs about ten times reading it); instead it keeps two numbers in the collection's metadata:
 * - `sync_stage_started` (S): recorded when a stage starts, before it reads anything;
 * - `sync_stage_floor` (F): set to that stage's S once its commit succeeded (a failed stage leaves F alone).
 * A chunk is **unstaged** when it is flagged and its `write_id >= F` or its `late_write >= F`.
 *
 * A write, once its chunks have landed and its previous versions are removed, reads S once. When S exceeds its
 * write id (a stage started while it ran, and may have read only part of it), it stamps its chunks
 * `late_write = max(nextWriteId(), S)`: one update, only on that rare path.
 *
 * Why nothing is hidden before it was committed. Suppose a stage X (marker S_X) hides a chunk of write C: C's
 * write id and late stamp are both below S_X. C did not stamp a value >= S_X, so the marker it read was below S_X;
 * markers only grow (a stage records max(nextWriteId(), S + 1)), so C read it before X recorded S_X. Hence C's
 * chunks had all landed, and its previous versions were gone, before X's scan began, and stayed while X read:
 * X saw C's version whole, or saw part of it or several versions of the document (then X looks the document
 * up by id), or did not see the document at all (then X looks it up by id when the store has it; when it does
 * not, the document is an addition, which detection finds by presence, not by flag). Either way X committed
 * C's version or a newer one, so hiding C's flags loses nothing. So every library write is seen by the first
 * `verify: 'flags'` detection that starts after the write returns, and stays visible to every stage until one
 * whose scan saw it has committed it.
 *
 * Not covered: stages of one collection from several processes at once (markers may then go down), and a
 * write whose removal of its previous version failed and every chunk of which a concurrent deletion shifted
 * past the next stage's page scan. The default level (`verify: 'content'`) needs none of this: it compares
 * each document's actual hash with the committed one.
 */
import type { Chroma } from '../chroma/chroma.js';
import type { Metadata, Where } from '../chroma/types.js';
import type { CallOptions } from '../executor/options.js';
import { nextWriteId } from './chunking.js';

/** Collection metadata keys of the markers. They are the library's bookkeeping, never versioned. */
export const STAGE_STARTED_KEY = 'sync_stage_started';
export const STAGE_FLOOR_KEY = 'sync_stage_floor';
/** The chunk metadata key a write stamps when a stage started while it ran. */
export const LATE_WRITE_KEY = 'late_write';

export interface StageMarkers {
  /** S: the start marker of the latest stage that started, or null. */
  started: number | null;
  /** F: the start marker of the latest stage that committed, or null (then every flagged chunk is unstaged). */
  floor: number | null;
}

const numberAt = (metadata: Metadata | null | undefined, key: string): number | null =>
  typeof metadata?.[key] === 'number' ? (metadata[key] as number) : null;

export function markersOf(metadata: Metadata | null | undefined): StageMarkers {
  return { started: numberAt(metadata, STAGE_STARTED_KEY), floor: numberAt(metadata, STAGE_FLOOR_KEY) };
}

/**
 * The `where` filter selecting exactly the unstaged chunks under floor F. The selective condition comes first:
 * chromadb evaluates the conditions of an `$and` in order, and starting from the flag (on every chunk the
 * library wrote) made the filter cost ten times more on a large collection.
 */
export function unstagedFilter(floor: number | null): Where {
  if (floor === null) return { is_local_change: true };
  return { $and: [{ $or: [{ write_id: { $gte: floor } }, { [LATE_WRITE_KEY]: { $gte: floor } }] }, { is_local_change: true }] };
}

/** Whether a chunk's metadata makes it unstaged under floor F: exactly what {@link unstagedFilter} selects. */
export function isUnstagedChunk(meta: Metadata, floor: number | null): boolean {
  if (meta['is_local_change'] !== true) return false;
  if (floor === null) return true;
  const atLeast = (value: unknown) => typeof value === 'number' && value >= floor;
  return atLeast(meta['write_id']) || atLeast(meta[LATE_WRITE_KEY]);
}

/** The collection's markers, read fresh from the session: one operation. */
export async function readMarkers(chroma: Chroma, collection: string, call: CallOptions): Promise<StageMarkers> {
  const info = await chroma.executor.call('getCollection', { name: collection }, call);
  return markersOf(info.metadata);
}

/**
 * Records the start of a stage: S = max(nextWriteId(), previous S + 1), so markers only grow. Two operations
 * (read, then a merge into the collection's metadata). Returns S and the floor in force.
 */
export async function recordStageStart(chroma: Chroma, collection: string, call: CallOptions): Promise<{ marker: number; floor: number | null }> {
  const before = await readMarkers(chroma, collection, call);
  const marker = Math.max(nextWriteId(), (before.started ?? 0) + 1);
  await chroma.executor.call('modifyCollection', { collection, metadata: { [STAGE_STARTED_KEY]: marker }, merge: true }, call);
  return { marker, floor: before.floor };
}

/** After a successful commit: F = S of that stage (one operation). */
export async function recordStageFloor(chroma: Chroma, collection: string, marker: number, call: CallOptions): Promise<void> {
  await chroma.executor.call('modifyCollection', { collection, metadata: { [STAGE_FLOOR_KEY]: marker }, merge: true }, call);
}

/**
 * After a write of flagged chunks has landed (and its previous versions are removed): if a stage started
 * since the write took its id, stamps the chunks `late_write` at or above that stage's marker, so the stage's
 * floor cannot hide them. One read; one update only then. Returns the operations used.
 */
export async function stampIfLate(
  chroma: Chroma,
  collection: string,
  ids: string[],
  version: number,
  call: CallOptions,
  batchSize: number,
): Promise<number> {
  const { started } = await readMarkers(chroma, collection, call);
  if (started === null || started <= version || ids.length === 0) return 1;
  const stamp = Math.max(nextWriteId(), started);
  let ops = 1;
  for (let start = 0; start < ids.length; start += batchSize) {
    const part = ids.slice(start, start + batchSize);
    await chroma.update(collection, { ids: part, metadatas: part.map(() => ({ [LATE_WRITE_KEY]: stamp })) }, call);
    ops++;
  }
  return ops;
}
