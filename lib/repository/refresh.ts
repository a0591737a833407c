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

export interface RefreshResult {
  /** Documents written to Chroma (added or replaced). */
  written: number;
  /** Documents removed from Chroma. */
  removed: number;
  collectionsCreated: string[];
  collectionsDeleted: string[];
}

interface Plan {
  writes: StoredDocument[];
  removes: string[];
}

const keyOf = (collection: string, docId: string) => JSON.stringify([collection, docId]);

/**
 * Store metadata is JSON; Chroma takes scalars only (anything else was never written through Chroma) and holds
 * no null (a key set to null is absent, as the version hash counts it).
 */
function chromaMetadata(metadata: Record<string, unknown>): Metadata {
  const out: Metadata = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (['string', 'number', 'boolean'].includes(typeof value)) out[key] = value as Metadata[string];
  }
  return out;
}

export async function refreshChroma(
  parts: { chroma: Chroma; sync: ChromaDoltSync; versioning: VersioningStore },
  journal: RefreshJournal & { to: string },
  /** The store's diff from `journal.from` to `journal.to`, when the caller already asked for it. */
  prefetchedDelta?: Promise<CommitDelta>,
): Promise<RefreshResult> {
  const { chroma, sync, versioning } = parts;
  const result: RefreshResult = { written: 0, removed: 0, collectionsCreated: [], collectionsDeleted: [] };
  const [delta, target, present] = await Promise.all([
    prefetchedDelta ?? versioning.delta(journal.from, journal.to),
    versioning.collectionsAt(journal.to),
    chroma.listCollections(),
  ]);
  const targetByName = new Map(target.map((c) => [c.name, c]));
  const presentByName = new Map(present.map((c) => [c.name, c]));
  const restoreCollections = new Set(journal.restoreCollections);
  const changedCollections = new Map(delta.collections.map((c) => [c.name, c]));
  const keep = new Set(journal.keep.map(([c, d]) => keyOf(c, d)));

  // Collections first: those the target lacks go, those it has and Chroma lacks (or holds with other
  // metadata, which the Chroma sessions cannot modify in place) are created and filled whole.
  const full = new Set<string>();
  for (const info of present) {
    const wanted = targetByName.get(info.name);
    const change = changedCollections.get(info.name);
    const mustRestore = restoreCollections.has(info.name);
    if (!wanted && (change?.type === 'removed' || mustRestore)) {
      await chroma.deleteCollection(info.name);
      result.collectionsDeleted.push(info.name);
    } else if (wanted && (change?.type === 'modified' || mustRestore) && !sameMetadata(normaliseMetadata(info.metadata), wanted.metadata)) {
      await chroma.deleteCollection(info.name);
      presentByName.delete(info.name);
    }
  }
  for (const wanted of target) {
    if (presentByName.has(wanted.name)) continue;
    const change = changedCollections.get(wanted.name);
    // A collection deleted locally and carried stays deleted; otherwise it is (re)created from the target.
    if (!(change && change.type !== 'removed') && !restoreCollections.has(wanted.name)) continue;
    const metadata = chromaMetadata(normaliseMetadata(wanted.metadata));
    await chroma.createCollection({ name: wanted.name, ...(Object.keys(metadata).length > 0 ? { metadata } : {}) });
    result.collectionsCreated.push(wanted.name);
    full.add(wanted.name);
  }

  // Then documents: the delta plus the documents to restore, grouped by collection.
  const plans = new Map<string, Plan>();
  const plan = (collection: string) => {
    let p = plans.get(collection);
    if (!p) plans.set(collection, (p = { writes: [], removes: [] }));
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

  for (const [collection, { writes, removes }] of plans) {
    if (removes.length > 0) {
      await sync.deleteDocuments(collection, removes);
      result.removed += removes.length;
    }
    if (writes.length > 0) {
      const docs: SourceDocument[] = writes.map((d) => ({ docId: d.docId, content: d.content, metadata: chromaMetadata(d.metadata) }));
      // What a checkout writes is the commit, not a local change.
      await sync.writeDocuments(collection, docs, { localChange: false });
      result.written += writes.length;
    }
  }
  return result;
}
