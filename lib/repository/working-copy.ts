/**
 * The working copy (every Chroma collection) compared with the commit it was checked out from: which
 * collections were created, deleted or given new metadata, and which documents were added, modified or
 * deleted in each. Built on the sync layer's public detection, one collection at a time, plus one listing of
 * collections on each side.
 */
import type { Chroma } from '../chroma/chroma.js';
import { EMBEDDING_DIMENSION_KEY, EMBEDDING_FUNCTION_KEY } from '../chroma/embedding.js';
import type { Metadata } from '../chroma/types.js';
import type { VersionStore } from '../dolt/version-store.js';
import type { StoredCollection, VersioningStore } from '../dolt/versioning.js';
import type { ChromaDoltSync, Verify } from '../sync/chroma-dolt-sync.js';
import { markersOf, STAGE_FLOOR_KEY, STAGE_STARTED_KEY, unstagedFilter } from '../sync/stage-floor.js';
import { CHUNK_OVERLAP, CHUNK_SIZE } from '../sync/chunking.js';
import { recordsFromColumns, toDocuments, type ChromaDocument } from '../sync/documents.js';
import { canonicalMetadata, contentHash, documentHash } from '../sync/hashing.js';
import type { PendingChange } from './errors.js';

export interface CollectionStatus {
  name: string;
  /** `created` in Chroma only, `deleted` from Chroma, `metadata` changed, or `unchanged` as a collection. */
  state: 'created' | 'deleted' | 'metadata' | 'unchanged';
  /** The collection's metadata in Chroma (null when deleted). */
  metadata: Record<string, unknown> | null;
  added: string[];
  modified: string[];
  deleted: string[];
  /** Documents with missing chunks (they cannot be committed until rewritten). */
  incomplete: string[];
}

export interface WorkingCopyStatus {
  collections: CollectionStatus[];
  /** True when nothing differs from the commit. */
  clean: boolean;
}

/**
 * Keys the Chroma client and the sync layer write into a collection's metadata on their own (the embedding
 * function's name and dimension, recorded on first embed; the stage markers). They describe how the client embeds, not what the user versioned, so
 * they are neither committed nor compared: otherwise a collection would show a metadata change as soon as it
 * first embedded, and every checkout would recreate it.
 */
const CLIENT_BOOKKEEPING_KEYS: readonly string[] = [EMBEDDING_FUNCTION_KEY, EMBEDDING_DIMENSION_KEY, STAGE_STARTED_KEY, STAGE_FLOOR_KEY];

/**
 * The versioned part of a collection's metadata: Chroma reports a collection without metadata as null (the
 * store keeps `{}`), and the client's own bookkeeping keys are left out.
 */
export function normaliseMetadata(metadata: Metadata | Record<string, unknown> | null | undefined): Record<string, unknown> {
  const versioned: Record<string, unknown> = { ...(metadata ?? {}) };
  for (const key of CLIENT_BOOKKEEPING_KEYS) delete versioned[key];
  return versioned;
}

/** Whether two metadata objects have the same versioned part (bookkeeping keys on either side are ignored). */
export function sameMetadata(first: Record<string, unknown>, second: Record<string, unknown>): boolean {
  const a = normaliseMetadata(first);
  const b = normaliseMetadata(second);
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.is(a[key], b[key]));
}

export async function workingCopyStatus(
  chroma: Chroma,
  sync: ChromaDoltSync,
  store: VersionStore,
  versioning: VersioningStore,
  verify: Verify = 'content',
  /** Cancels the detection (each collection's reads). */
  signal?: AbortSignal,
): Promise<WorkingCopyStatus> {
  const [inChroma, committed] = await Promise.all([chroma.listCollections(), versioning.collectionsAt('HEAD')]);
  const stored = new Map<string, StoredCollection>(committed.map((c) => [c.name, c]));
  const collections: CollectionStatus[] = [];
  for (const info of [...inChroma].sort((a, b) => a.name.localeCompare(b.name))) {
    const metadata = normaliseMetadata(info.metadata);
    const known = stored.get(info.name);
    const detected = await sync.detectLocalChanges(info.name, signal === undefined ? { verify } : { verify, signal });
    const modified = known && detected.modified.length > 0 ? await withoutEarlierRows(chroma, versioning, info.name, detected.modified) : detected.modified;
    collections.push({
      name: info.name,
      state: !known ? 'created' : sameMetadata(known.metadata, metadata) ? 'unchanged' : 'metadata',
      metadata,
      added: detected.added,
      modified,
      deleted: detected.deleted,
      incomplete: detected.incomplete,
    });
    stored.delete(info.name);
  }
  for (const gone of stored.values()) {
    collections.push({
      name: gone.name,
      state: 'deleted',
      metadata: null,
      added: [],
      modified: [],
      deleted: [...(await store.documentHashes(gone.name)).keys()],
      incomplete: [],
    });
  }
  const clean = collections.every(
    (c) => c.state === 'unchanged' && c.added.length + c.modified.length + c.deleted.length + c.incomplete.length === 0,
  );
  return { collections, clean };
}

/**
 * `modified` without the documents that equal what the commit holds in a row written before a document's version
 * covered its metadata: such a row has metadata and the hash of its text alone, so detection reports a document
 * with the same text and metadata as modified. A commit made before then, checked out, would otherwise never
 * be clean. Costs one store read of the reported documents, and one Chroma read of those with such rows.
 */
async function withoutEarlierRows(chroma: Chroma, versioning: VersioningStore, collection: string, modified: string[]): Promise<string[]> {
  const earlier = (await versioning.documentsAt('HEAD', { collection, docIds: modified })).filter(
    (row) => canonicalMetadata(row.metadata) !== '' && row.contentHash === contentHash(row.content),
  );
  if (earlier.length === 0) return modified;
  const inChroma = await readChromaDocuments(chroma, collection, earlier.map((row) => row.docId));
  const equal = new Set(
    earlier
      .filter((row) => {
        const hash = inChroma.get(row.docId)?.actualHash;
        return hash != null && hash === documentHash(row.content, row.metadata as Metadata);
      })
      .map((row) => row.docId),
  );
  return modified.filter((docId) => !equal.has(docId));
}

/**
 * A cheap proof that nothing changed, reading no text: the same collections with the same metadata on both
 * sides, no unstaged chunk (flagged `is_local_change` and written since the last stage), and in each collection exactly as many chunks as the committed
 * documents make. Costs two small Chroma operations per collection and one store query. It trusts that edits
 * were made through the library (an edit made with Chroma directly, keeping the chunk count and no flag, is not
 * seen): when it cannot prove the working copy clean, the caller runs the full detection.
 */
export async function provablyClean(chroma: Chroma, versioning: VersioningStore, cache: ChunkTotalsCache): Promise<boolean> {
  const [inChroma, committed, totals] = await Promise.all([
    chroma.listCollections(),
    versioning.collectionsAt('HEAD'),
    cache.get(versioning),
  ]);
  if (inChroma.length !== committed.length) return false;
  const stored = new Map(committed.map((c) => [c.name, c]));
  for (const info of inChroma) {
    const known = stored.get(info.name);
    if (!known || !sameMetadata(known.metadata, normaliseMetadata(info.metadata))) return false;
    const [count, flagged] = await Promise.all([
      chroma.count(info.name),
      chroma.get(info.name, { where: unstagedFilter(markersOf(info.metadata).floor), include: [], limit: 1 }),
    ]);
    if (flagged.ids.length > 0 || count !== (totals.get(info.name)?.chunks ?? 0)) return false;
  }
  return true;
}

type ChunkTotals = Map<string, { documents: number; chunks: number }>;

/**
 * Chunk totals by commit: a commit never changes, and counting means reading every document's length, so
 * switching back and forth between commits counts each once. The store's working set equals HEAD here (every
 * write to the store is committed at once), so HEAD's hash names it.
 */
export class ChunkTotalsCache {
  private readonly byCommit = new Map<string, ChunkTotals>();

  async get(versioning: VersioningStore): Promise<ChunkTotals> {
    const head = await versioning.resolve('HEAD');
    const cached = this.byCommit.get(head);
    if (cached) return cached;
    const totals = await versioning.chunkTotals(CHUNK_SIZE, CHUNK_OVERLAP);
    this.byCommit.set(head, totals);
    // A handful of commits is what back-and-forth checkouts visit; older entries go first.
    if (this.byCommit.size > 16) this.byCommit.delete(this.byCommit.keys().next().value!);
    return totals;
  }
}

/** Every pending change as a flat list (ids only), for errors and the CLI. */
export function pendingChanges(status: WorkingCopyStatus): PendingChange[] {
  const out: PendingChange[] = [];
  for (const c of status.collections) {
    if (c.state === 'created') out.push({ collection: c.name, docId: null, type: 'collection-created' });
    if (c.state === 'deleted') out.push({ collection: c.name, docId: null, type: 'collection-deleted' });
    if (c.state === 'metadata') out.push({ collection: c.name, docId: null, type: 'collection-metadata' });
    if (c.state === 'deleted') continue;
    for (const docId of c.added) out.push({ collection: c.name, docId, type: 'added' });
    for (const docId of c.modified) out.push({ collection: c.name, docId, type: 'modified' });
    for (const docId of c.deleted) out.push({ collection: c.name, docId, type: 'deleted' });
    for (const docId of c.incomplete) out.push({ collection: c.name, docId, type: 'incomplete' });
  }
  return out;
}

/**
 * Reads whole documents back from Chroma by id: one `get` per page of matching chunks (by `source_id`), plus
 * one by plain id for chunks another tool wrote without it.
 */
export async function readChromaDocuments(chroma: Chroma, collection: string, docIds: string[]): Promise<Map<string, ChromaDocument>> {
  if (docIds.length === 0) return new Map();
  const ids: string[] = [];
  const documents: Array<string | null> = [];
  const metadatas: Array<Metadata | null> = [];
  const pageSize = chroma.maxBatchSize;
  const collect = (page: { ids: string[]; documents: Array<string | null> | null; metadatas: Array<Metadata | null> | null }) => {
    page.ids.forEach((id, i) => {
      ids.push(id);
      documents.push(page.documents?.[i] ?? null);
      metadatas.push(page.metadatas?.[i] ?? null);
    });
  };
  for (let offset = 0; ; offset += pageSize) {
    const page = await chroma.get(collection, {
      where: { source_id: { $in: docIds } },
      include: ['documents', 'metadatas'],
      limit: pageSize,
      offset,
    });
    collect(page);
    if (page.ids.length < pageSize) break;
  }
  const docs = toDocuments(recordsFromColumns(ids, documents, metadatas));
  const missing = docIds.filter((id) => !docs.has(id));
  if (missing.length > 0) {
    const plain = await chroma.get(collection, { ids: missing, include: ['documents', 'metadatas'] });
    for (const [id, doc] of toDocuments(recordsFromColumns(plain.ids, plain.documents, plain.metadatas))) docs.set(id, doc);
  }
  return docs;
}
