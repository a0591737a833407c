/**
 * Writing documents into Chroma without ever losing one: the new version of each document is written beside
 * the old one (new chunk ids, this write's `write_id`), in operations of at most `batchSize` records each with
 * its own deadline, and the old versions are removed only once every new one exists. Readers take a
 * document's newest complete version, so whatever moment a write stops at, each document reads as its previous
 * or its new version. When an operation fails, one lookup by `write_id` says exactly which documents made it.
 *
 * Throughput: Chroma's add is most of a write's time, so this thread's share (chunking, hashing, embedding,
 * cloning) is done while the session works rather than before it. The lookup of what exists goes out before the
 * documents are chunked, and the write operations are pipelined: the next one is prepared and queued while the
 * session runs the current one (operations on one session run in order, so this changes nothing of what lands
 * when). A large first operation is split so the session starts early: its head (a tenth) is small, and the
 * rest is prepared while the session adds the head. That costs one operation more than ceil(chunks / batchSize).
 */
import type { Chroma } from '../chroma/chroma.js';
import type { Metadata } from '../chroma/types.js';
import type { CallOptions } from '../executor/options.js';
import type { SyncProgress, WriteResult } from './chroma-dolt-sync.js';
import type { ChromaReader } from './chroma-reader.js';
import { nextWriteId } from './chunking.js';
import { chunkMetadata, clearRemovedKeys, layoutChunks, ownerOf, type ChunkRecord, type SourceDocument } from './documents.js';
import { ChunkIdConflictError, SyncWriteError } from './errors.js';
import { stampIfLate } from './stage-floor.js';

/** From how many documents a write first counts the collection, to skip the lookup when it is empty. */
export const COUNT_BEFORE_LOOKUP_FROM = 1_000;

/** Writes validated documents (the caller holds the collection's lock); see the file header. */
export async function writeVersions(
  chroma: Chroma,
  collection: string,
  docs: SourceDocument[],
  reader: ChromaReader,
  batchSize: number,
  call: CallOptions,
  report: (progress: SyncProgress) => void,
  localChange = true,
): Promise<WriteResult> {
  if (docs.length === 0) return { documents: 0, chunks: 0, sessionOps: 0 };
  const writeId = nextWriteId();
  // The lookup needs only the document ids: it is sent first, and the session runs it while this thread chunks.
  // Into an empty collection (a first import) there is nothing to find: for a large write a count of one
  // operation answers for the 1 + ceil(documents / batchSize) reads by id, which cost several percent of it.
  // A smaller write's lookup costs a few milliseconds, and the count would add one.
  const ids = docs.map((doc) => doc.docId);
  const lookup =
    docs.length < COUNT_BEFORE_LOOKUP_FROM
      ? reader.recordsOf(ids, false)
      : chroma.count(collection, call).then((count) => {
          reader.ops++;
          return count === 0 ? [] : reader.recordsOf(ids, false);
        });
  lookup.catch(() => {}); // awaited below; this only keeps an early rejection from counting as unhandled
  await nextTurn();
  // Ids first: they are all the lookup's answer is compared with. Metadata (and the hashing it needs) is made
  // operation by operation below, while the session runs the operation before.
  const layout = layoutChunks(docs, writeId);
  const metadataOf = chunkMetadata(docs, layout, writeId, localChange);
  const indexOf = new Map(layout.ids.map((id, i) => [id, i]));
  const before = await lookup;
  const conflicts = before.filter((r) => indexOf.has(r.id) && r.meta['source_id'] !== undefined && r.meta['source_id'] !== r.id);
  if (conflicts.length > 0) throw new ChunkIdConflictError(conflicts.map((r) => r.id));
  // Previous versions: the documents' chunks from earlier writes, and a foreign record named by a document id.
  // Chunks of a newer concurrent write are left alone (the newest complete version is the document).
  const previous = before
    .filter((r) => !indexOf.has(r.id))
    .filter((r) => (typeof r.meta['source_id'] === 'string' ? writeIdOf(r.meta) < writeId : true));
  /** The metadata of each record that overwrites one of the same id, by record index. */
  const overwritten = new Map<number, Metadata>();
  for (const r of before) {
    const i = indexOf.get(r.id);
    if (i !== undefined) overwritten.set(i, r.meta);
  }
  const metadataFor = (i: number): Metadata => {
    const metadata = metadataOf(i);
    const replaced = overwritten.get(i);
    if (replaced) clearRemovedKeys(metadata, replaced);
    return metadata;
  };

  // New ids are added; only a one-chunk document whose id exists is overwritten in place (one record, so
  // atomic). Chroma's upsert costs about a third more per record than add, and each operation has a fixed cost
  // too: a write that fits in one operation is one upsert when anything is overwritten.
  const remaining = layout.spans.map((span) => span.count);
  const ops = rampUp(
    overwritten.size > 0 && layout.ids.length <= batchSize
      ? [{ method: 'upsert' as const, indexes: [...layout.ids.keys()] }]
      : [
          ...batches(layout.ids.keys(), (i) => !overwritten.has(i), batchSize).map((indexes) => ({ method: 'add' as const, indexes })),
          ...batches(layout.ids.keys(), (i) => overwritten.has(i), batchSize).map((indexes) => ({ method: 'upsert' as const, indexes })),
        ],
  );
  let chunksWritten = 0;
  let documentsWritten = 0;
  let failure: { error: unknown } | null = null;
  /** The operation queued before the one being prepared: at most two are in flight. */
  let inFlight: Promise<void> | null = null;
  for (const [k, { method, indexes }] of ops.entries()) {
    const pick = <T>(values: T[]) => indexes.map((i) => values[i]!);
    // Operations run and settle in order, so progress is reported in order too.
    const written = chroma[method](collection, { ids: pick(layout.ids), documents: pick(layout.documents), metadatas: indexes.map(metadataFor) }, call).then(
      () => {
        reader.ops++;
        chunksWritten += indexes.length;
        for (const i of indexes) if (--remaining[layout.owners[i]!]! === 0) documentsWritten++;
        report({ phase: 'write', documentsWritten, documentsTotal: docs.length, chunksWritten, chunksTotal: layout.ids.length });
      },
      (error: unknown) => {
        failure ??= { error };
      },
    );
    // Let this one go to the session before the next is prepared, then wait for the one before it.
    if (k < ops.length - 1) await nextTurn();
    await inFlight;
    inFlight = written;
    if (failure) break; // queue nothing more; what is already queued runs, and the lookup below sees it
  }
  await inFlight;
  if (failure) throw await writeFailed(reader, layout.spans, writeId, previous, (failure as { error: unknown }).error, (ids) => stamp(ids).then(() => {}));
  let cleanupError: unknown;
  try {
    await reader.deleteIds(previous.map((r) => r.id));
  } catch (error) {
    cleanupError = error;
  }
  // Last, after the previous versions are gone: a stage that started while this write ran must not count it
  // as staged (stage-floor.ts says why this order matters). A write that is not a local change has no flag.
  let stampError: unknown;
  try {
    await stamp(layout.ids);
  } catch (error) {
    stampError = error;
  }
  return {
    documents: docs.length,
    chunks: layout.ids.length,
    sessionOps: reader.ops,
    ...(cleanupError ? { cleanupError } : {}),
    ...(stampError ? { stampError } : {}),
  };

  async function stamp(ids: string[]): Promise<void> {
    if (localChange && ids.length > 0) reader.ops += await stampIfLate(chroma, collection, ids, writeId, call, batchSize);
  }
}

/** After a failed write operation: which documents are at their new version, said exactly. */
async function writeFailed(
  reader: ChromaReader,
  spans: Array<{ docId: string; count: number }>,
  writeId: number,
  previous: ChunkRecord[],
  cause: unknown,
  stamp: (ids: string[]) => Promise<void>,
): Promise<SyncWriteError> {
  const docIds = spans.map((span) => span.docId);
  let landed: ChunkRecord[];
  try {
    // Operations run in order on the session, so this read sees the failed operation's final effect even when
    // only its caller timed out (or the session restarted).
    landed = await reader.recordsOfWrite(writeId);
  } catch {
    return new SyncWriteError(
      `writeDocuments failed; which of ${docIds.length} documents were written could not be checked`,
      [],
      [],
      docIds,
      cause,
    );
  }
  const counts = new Map<string, number>();
  for (const record of landed) counts.set(ownerOf(record), (counts.get(ownerOf(record)) ?? 0) + 1);
  const written = spans.filter((span) => counts.get(span.docId) === span.count).map((span) => span.docId);
  const done = new Set(written);
  const notWritten = docIds.filter((docId) => !done.has(docId));
  // Best effort, to save space: the written documents' previous versions and the unwritten ones' partial new
  // chunks are never read (a document is its newest complete version), so failing here changes nothing.
  const partial = landed.filter((record) => !done.has(ownerOf(record)));
  const replaced = previous.filter((record) => done.has(ownerOf(record)));
  try {
    await reader.deleteIds([...partial, ...replaced].map((record) => record.id));
    await stamp(landed.filter((record) => done.has(ownerOf(record))).map((record) => record.id));
  } catch {
    // see above; and a written document a stage may have missed is still found by `verify: 'content'`
  }
  return new SyncWriteError(
    `writeDocuments stopped: ${written.length} of ${docIds.length} documents written, the others are unchanged`,
    written,
    notWritten,
    [],
    cause,
  );
}

/** Records in a first operation below which it is not split: the session's head start would be too small to matter. */
const SPLIT_FIRST_FROM = 1_000;
/**
 * The share of a split first operation that goes first. This thread prepares a record (hashing, embedding,
 * cloning, encoding) about ten times faster than Chroma adds one (measured: ~0.04 ms against ~0.45 ms), so the
 * other nine tenths are ready about when the session has added the head. More pieces would start the session a
 * little sooner but cost more than they save: every add has a cost of its own in Chroma beyond its records
 * (measured on 10,000 chunks: a first operation in three pieces wrote 5-8% slower than in two).
 */
const HEAD_SHARE = 10;

/** Splits a large first operation into a small head and the rest (see the file header): one operation more. */
function rampUp<T extends { indexes: number[] }>(ops: T[]): T[] {
  const first = ops[0];
  if (!first || first.indexes.length < SPLIT_FIRST_FROM) return ops;
  const head = Math.ceil(first.indexes.length / HEAD_SHARE);
  const piece = (start: number, end?: number) => ({ ...first, indexes: first.indexes.slice(start, end) });
  return [piece(0, head), piece(head), ...ops.slice(1)];
}

/** Resolves after the current turn of the event loop, once queued calls have been sent to the session. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The indexes passing `keep`, in runs of at most `size`. */
function batches(indexes: Iterable<number>, keep: (index: number) => boolean, size: number): number[][] {
  const out: number[][] = [];
  for (const index of indexes) {
    if (!keep(index)) continue;
    if (out.length === 0 || out[out.length - 1]!.length >= size) out.push([]);
    out[out.length - 1]!.push(index);
  }
  return out;
}

function writeIdOf(meta: Metadata): number {
  return typeof meta['write_id'] === 'number' ? meta['write_id'] : 0;
}
