/**
 * Makes Chroma hold a commit's documents, writing only what differs: the store computes the difference between
 * the commit Chroma holds and the target (Dolt's structural diff, one query), and Chroma gets, per collection,
 * at most one delete and one write of the changed documents. Documents equal in both commits are never read or
 * written, so the cost follows the change, not the collection.
 *
 * A refresh is a function of (from, to, restore, keep) only, so running it again after a crash halfway
 * finishes the job: every document it touches ends at its version in `to`.
 */
import type { Chroma } from '../chroma/chroma.js';
import type { Metadata } from '../chroma/types.js';
import type { CommitDelta, StoredDocument, VersioningStore } from '../dolt/versioning.js';
import type { ChromaDoltSync } from '../sync/chroma-dolt-sync.js';
import type { SourceDocument } from '../sync/documents.js';
import type { RefreshJournal } from './state-file.js';
import { normaliseMetadata, sameMetadata } from './working-copy.js';
import { CommitNotCheckoutableError } from './errors.js';
import { checkChromaCollectionName, checkMetadata as checkChromaMetadata } from '../chroma/validate-input.js';
import { validateDocuments } from '../sync/validate-documents.js';

export interface RefreshResult {
  /** Documents written to Chroma (added or replaced). */
  written: number;
  /** Documents removed from Chroma. */
  removed: number;
  collectionsCreated: string[];
  collectionsDeleted: string[];
}

const keyOf = (collection: string, docId: string) => JSON.stringify([collection, docId]);

/**
 * Store metadata is JSON; Chroma holds no null (a key set to null is absent, as the version hash counts it).
 * Anything else is kept as it is, so that a value Chroma cannot hold (an object, a list: never written through
 * Chroma, but a commit made through the store's own API may hold one) is refused by the checks below, not
 * silently dropped.
 */
function chromaMetadata(metadata: Record<string, unknown>): Metadata {
  const out: Metadata = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (value !== null && value !== undefined) out[key] = value as Metadata[string];
  }
  return out;
}

/** What a refresh will do to Chroma, computed and checked before it does any of it. */
export interface RefreshPlan {
  /** Collections to delete (the target lacks them, or holds them with other metadata). */
  deleteCollections: string[];
  /** Collections to create, with their metadata, each then filled whole. */
  createCollections: Array<{ name: string; metadata: Metadata }>;
  /** Per collection: documents to remove, then documents to write. */
  documents: Map<string, { writes: SourceDocument[]; removes: string[] }>;
}

type RefreshParts = { chroma: Chroma; sync: ChromaDoltSync; versioning: VersioningStore };

/**
 * Reads what the refresh from `journal.from` to `journal.to` must change in Chroma, and checks that Chroma can
 * hold all of it: collection names and metadata, and every document to write as the sync layer's write checks
 * it. Changes nothing; throws {@link CommitNotCheckoutableError} naming the first thing Chroma cannot hold.
 * It reads the store at commits, not at its current head, so it can run before the store moves.
 */
export async function planRefresh(
  parts: RefreshParts,
  journal: RefreshJournal & { to: string },
  /** The store's diff from `journal.from` to `journal.to`, when the caller already asked for it. */
  prefetchedDelta?: Promise<CommitDelta>,
): Promise<RefreshPlan> {
  const { chroma, versioning } = parts;
  const [delta, target, present] = await Promise.all([
    prefetchedDelta ?? versioning.delta(journal.from, journal.to),
    versioning.collectionsAt(journal.to),
    chroma.listCollections(),
  ]);
  const targetByName = new Map(target.map((c) => [c.name, c]));
  const presentNames = new Set(present.map((c) => c.name));
  const restoreCollections = new Set(journal.restoreCollections);
  const changedCollections = new Map(delta.collections.map((c) => [c.name, c]));
  const keep = new Set(journal.keep.map(([c, d]) => keyOf(c, d)));
  const refused = (collection: string, docId: string | null, cause: unknown) =>
    new CommitNotCheckoutableError(journal.operation, journal.to, collection, docId, cause);

  // Collections first: those the target lacks go, those it has and Chroma lacks (or holds with other
  // metadata, which the Chroma sessions cannot modify in place) are created and filled whole.
  const result: RefreshPlan = { deleteCollections: [], createCollections: [], documents: new Map() };
  const full = new Set<string>();
  for (const info of present) {
    const wanted = targetByName.get(info.name);
    const change = changedCollections.get(info.name);
    const mustRestore = restoreCollections.has(info.name);
    if (!wanted && (change?.type === 'removed' || mustRestore)) {
      result.deleteCollections.push(info.name);
    } else if (wanted && (change?.type === 'modified' || mustRestore) && !sameMetadata(normaliseMetadata(info.metadata), wanted.metadata)) {
      result.deleteCollections.push(info.name);
      presentNames.delete(info.name);
    }
  }
  for (const wanted of target) {
    if (presentNames.has(wanted.name)) continue;
    const change = changedCollections.get(wanted.name);
    // A collection deleted locally and carried stays deleted; otherwise it is (re)created from the target.
    if (!(change && change.type !== 'removed') && !restoreCollections.has(wanted.name)) continue;
    const metadata = chromaMetadata(normaliseMetadata(wanted.metadata));
    try {
      checkChromaCollectionName(wanted.name);
      checkChromaMetadata(metadata, 'the collection metadata');
    } catch (error) {
      throw refused(wanted.name, null, error);
    }
    result.createCollections.push({ name: wanted.name, metadata });
    full.add(wanted.name);
  }

  // Then documents: the delta plus the documents to restore, grouped by collection.
  const stored = new Map<string, { writes: StoredDocument[]; removes: string[] }>();
  const plan = (collection: string) => {
    let p = stored.get(collection);
    if (!p) stored.set(collection, (p = { writes: [], removes: [] }));
    return p;
  };
  const planned = new Set<string>();
  const live = (collection: string) => targetByName.has(collection) && !full.has(collection);
  for (const change of delta.documents) {
    const key = keyOf(change.collection, change.docId);
    if (!live(change.collection) || keep.has(key)) continue;
    planned.add(key);
    if (change.to) plan(change.collection).writes.push(change.to);
    else plan(change.collection).removes.push(change.docId);
  }
  const restoreByCollection = new Map<string, string[]>();
  for (const [collection, docId] of journal.restore) {
    if (!live(collection) || planned.has(keyOf(collection, docId))) continue;
    const list = restoreByCollection.get(collection) ?? [];
    list.push(docId);
    restoreByCollection.set(collection, list);
  }
  for (const [collection, docIds] of restoreByCollection) {
    const found = new Map((await versioning.documentsAt(journal.to, { collection, docIds })).map((d) => [d.docId, d]));
    for (const docId of docIds) {
      const doc = found.get(docId);
      if (doc) plan(collection).writes.push(doc);
      else plan(collection).removes.push(docId);
    }
  }
  for (const collection of full) {
    plan(collection).writes.push(...(await versioning.documentsAt(journal.to, { collection })));
  }
  for (const [collection, { writes, removes }] of stored) {
    const docs: SourceDocument[] = writes.map((d) => ({ docId: d.docId, content: d.content, metadata: chromaMetadata(d.metadata) }));
    // The checks the write itself makes (what a checkout writes may hold chunk-shaped ids), one document at a
    // time only on the rare path, to name the one refused.
    const maxDocumentBytes = parts.sync.store.maxDocumentBytes;
    try {
      validateDocuments(docs, maxDocumentBytes, true);
    } catch {
      for (const doc of docs) {
        try {
          validateDocuments([doc], maxDocumentBytes, true);
        } catch (error) {
          throw refused(collection, doc.docId, error);
        }
      }
    }
    result.documents.set(collection, { writes: docs, removes });
  }
  return result;
}

/** Carries out a checked plan: collections deleted, then created, then per collection removes and writes. */
export async function applyRefresh(
  parts: RefreshParts,
  plan: RefreshPlan,
  /** Called after each collection's documents are written. */
  onCollection?: (done: number, total: number) => void,
): Promise<RefreshResult> {
  const { chroma, sync } = parts;
  const result: RefreshResult = { written: 0, removed: 0, collectionsCreated: [], collectionsDeleted: [] };
  for (const name of plan.deleteCollections) {
    await chroma.deleteCollection(name);
    // A collection recreated with other metadata is not reported as deleted (as before): only those that go.
    if (!plan.createCollections.some((c) => c.name === name)) result.collectionsDeleted.push(name);
  }
  for (const { name, metadata } of plan.createCollections) {
    await chroma.createCollection({ name, ...(Object.keys(metadata).length > 0 ? { metadata } : {}) });
    result.collectionsCreated.push(name);
  }
  let done = 0;
  for (const [collection, { writes, removes }] of plan.documents) {
    if (removes.length > 0) {
      await sync.deleteDocuments(collection, removes);
      result.removed += removes.length;
    }
    if (writes.length > 0) {
      // What a checkout writes is the commit, not a local change.
      await sync.writeDocuments(collection, writes, { localChange: false });
      result.written += writes.length;
    }
    onCollection?.(++done, plan.documents.size);
  }
  return result;
}

/** Plans, checks and carries out a refresh (see {@link planRefresh}). */
export async function refreshChroma(
  parts: RefreshParts,
  journal: RefreshJournal & { to: string },
  prefetchedDelta?: Promise<CommitDelta>,
): Promise<RefreshResult> {
  return applyRefresh(parts, await planRefresh(parts, journal, prefetchedDelta));
}
