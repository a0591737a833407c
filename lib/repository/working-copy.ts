/**
 * The working copy (every Chroma collection) compared with the commit it was checked out from: which
 * collections were created, deleted or given new metadata, and which documents were added, modified or
 * deleted in each. Built on the sync layer's public detection, one collection at a time, plus one listing of
 * collections on each side.
 */
import type { Chroma } from '../chroma/chroma.js';
import type { Metadata } from '../chroma/types.js';
import type { VersionStore } from '../dolt/version-store.js';
import type { StoredCollection, VersioningStore } from '../dolt/versioning.js';
import type { ChromaDoltSync } from '../sync/chroma-dolt-sync.js';
import { toDocuments, type ChromaDocument } from '../sync/documents.js';
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

/** Chroma reports a collection without metadata as null; the store keeps `{}`. */
export function normaliseMetadata(metadata: Metadata | Record<string, unknown> | null | undefined): Record<string, unknown> {
  return metadata ? { ...metadata } : {};
}

export function sameMetadata(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.is(a[key], b[key]));
}

export async function workingCopyStatus(
  chroma: Chroma,
  sync: ChromaDoltSync,
  store: VersionStore,
  versioning: VersioningStore,
): Promise<WorkingCopyStatus> {
  const [inChroma, committed] = await Promise.all([chroma.listCollections(), versioning.collectionsAt('HEAD')]);
  const stored = new Map<string, StoredCollection>(committed.map((c) => [c.name, c]));
  const collections: CollectionStatus[] = [];
  for (const info of [...inChroma].sort((a, b) => a.name.localeCompare(b.name))) {
    const metadata = normaliseMetadata(info.metadata);
    const known = stored.get(info.name);
    const detected = await sync.detectLocalChanges(info.name);
    collections.push({
      name: info.name,
      state: !known ? 'created' : sameMetadata(known.metadata, metadata) ? 'unchanged' : 'metadata',
      metadata,
      added: detected.added,
      modified: detected.modified,
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
  const docs = toDocuments(ids, documents, metadatas);
  const missing = docIds.filter((id) => !docs.has(id));
  if (missing.length > 0) {
    const plain = await chroma.get(collection, { ids: missing, include: ['documents', 'metadatas'] });
    for (const [id, doc] of toDocuments(plain.ids, plain.documents, plain.metadatas)) docs.set(id, doc);
  }
  return docs;
}
