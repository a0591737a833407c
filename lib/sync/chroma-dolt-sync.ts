/**
 * Chroma -> Dolt change detection and staging. Chroma is the working copy of a document collection; the version
 * store (DoltLite, or Dolt/MySQL through mysql2) is its history.
 *
 * Detection costs a constant few bulk operations whatever the number of documents: one Chroma read per page of
 * `maxBatchSize` chunks (ids, texts and metadata together) and one version-store query, run at the same time.
 * Nothing is asked per document. Detect and stage on one collection run one at a time; different collections
 * run concurrently.
 */
import type { Chroma } from '../chroma/chroma.js';
import type { Metadata } from '../chroma/types.js';
import type { VersionStore } from '../dolt/version-store.js';
import { toChunkRecords, toDocuments, type ChromaDocument, type SourceDocument } from './documents.js';

export interface DetectResult {
  collection: string;
  /** Document ids in Chroma and not in the version store. */
  added: string[];
  /** Document ids whose content in Chroma differs from the version store (through the library or not). */
  modified: string[];
  /** Document ids in the version store and gone from Chroma. */
  deleted: string[];
  /** Documents with missing chunks: they cannot be staged until rewritten. */
  incomplete: string[];
  /** Chroma session operations this detection used. */
  sessionOps: number;
  /** Version-store queries this detection used. */
  storeQueries: number;
  timings: { chromaMs: number; storeMs: number; compareMs: number; totalMs: number };
}

export interface StageResult extends DetectResult {
  /** The commit made, or null when there was nothing to commit. */
  commit: string | null;
  /** Whether `is_local_change` flags were cleared in Chroma after the commit. */
  flagsCleared: boolean;
  /** Why clearing the flags failed (the commit stands; the next detect finds nothing either way). */
  flagError?: unknown;
}

export interface StageOptions {
  /** The commit message. */
  message: string;
}

function hasChanges(result: DetectResult): boolean {
  return result.added.length + result.modified.length + result.deleted.length > 0;
}

export class ChromaDoltSync {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    readonly chroma: Chroma,
    readonly store: VersionStore,
  ) {}

  /**
   * Writes documents into Chroma as chunks marked `is_local_change` (replacing the chunks of documents with
   * the same ids). Two operations whatever the number of documents: delete the old chunks, add the new ones.
   */
  writeDocuments(collection: string, docs: SourceDocument[]): Promise<void> {
    return this.serialised(collection, async () => {
      if (docs.length === 0) return;
      await this.chroma.delete(collection, { where: { source_id: { $in: docs.map((d) => d.docId) } } });
      const records = toChunkRecords(docs);
      await this.chroma.add(collection, records);
    });
  }

  /** Deletes documents (all their chunks) from Chroma in one operation. */
  deleteDocuments(collection: string, docIds: string[]): Promise<void> {
    return this.serialised(collection, async () => {
      if (docIds.length === 0) return;
      await this.chroma.delete(collection, { where: { source_id: { $in: docIds } } });
    });
  }

  /** Compares Chroma with the version store; see {@link DetectResult}. */
  detectLocalChanges(collection: string): Promise<DetectResult> {
    return this.serialised(collection, async () => (await this.detect(collection)).result);
  }

  /**
   * Writes what detection found to the version store in one transaction (with sync-log rows) and commits it,
   * then clears `is_local_change` on the chunks in one Chroma update. Running it again finds nothing. If the
   * store fails nothing is written and the flags stay.
   */
  stageLocalChanges(collection: string, options: StageOptions): Promise<StageResult> {
    return this.serialised(collection, async () => {
      const { result, docs } = await this.detect(collection);
      const changed = [...result.added, ...result.modified];
      let commit: string | null = null;
      if (hasChanges(result)) {
        commit = await this.store.commitChanges({
          collection,
          upserts: changed.map((docId) => {
            const doc = docs.get(docId)!;
            return { docId, content: doc.content!, contentHash: doc.actualHash!, metadata: doc.metadata };
          }),
          deletes: result.deleted,
          message: options.message,
        });
        result.storeQueries++;
      }
      // Clear the flags and record the hash actually committed (an edit made outside the library left the old
      // one), in one update for all chunks concerned.
      const stale = [...docs.values()].filter(
        (doc) => doc.actualHash !== null && (doc.flagged || doc.recordedHash !== doc.actualHash),
      );
      let flagsCleared = true;
      let flagError: unknown;
      if (stale.length > 0) {
        const ids: string[] = [];
        const metadatas: Metadata[] = [];
        for (const doc of stale) {
          for (const id of doc.chunkIds) {
            ids.push(id);
            metadatas.push({ is_local_change: false, content_hash: doc.actualHash });
          }
        }
        try {
          await this.chroma.update(collection, { ids, metadatas });
          result.sessionOps++;
        } catch (error) {
          flagsCleared = false;
          flagError = error;
        }
      }
      return { ...result, commit, flagsCleared, flagError };
    });
  }

  private async detect(collection: string): Promise<{ result: DetectResult; docs: Map<string, ChromaDocument> }> {
    const started = performance.now();
    let chromaMs = 0;
    let storeMs = 0;
    // The two reads touch different owners, so they run at the same time.
    const [scan, hashes] = await Promise.all([
      this.scan(collection).then((value) => {
        chromaMs = performance.now() - started;
        return value;
      }),
      this.store.documentHashes(collection).then((value) => {
        storeMs = performance.now() - started;
        return value;
      }),
    ]);
    const compareStart = performance.now();
    const added: string[] = [];
    const modified: string[] = [];
    const incomplete: string[] = [];
    for (const doc of scan.docs.values()) {
      if (doc.actualHash === null) {
        incomplete.push(doc.docId);
        continue;
      }
      const committed = hashes.get(doc.docId);
      if (committed === undefined) added.push(doc.docId);
      else if (committed !== doc.actualHash) modified.push(doc.docId);
    }
    const deleted = [...hashes.keys()].filter((docId) => !scan.docs.has(docId));
    const now = performance.now();
    return {
      docs: scan.docs,
      result: {
        collection,
        added,
        modified,
        deleted,
        incomplete,
        sessionOps: scan.ops,
        storeQueries: 1,
        timings: { chromaMs, storeMs, compareMs: now - compareStart, totalMs: now - started },
      },
    };
  }

  /** Reads every chunk (ids, texts, metadata) a page of `maxBatchSize` at a time. */
  private async scan(collection: string): Promise<{ docs: Map<string, ChromaDocument>; ops: number }> {
    const pageSize = this.chroma.maxBatchSize;
    const ids: string[] = [];
    const documents: Array<string | null> = [];
    const metadatas: Array<Metadata | null> = [];
    let ops = 0;
    for (let offset = 0; ; offset += pageSize) {
      const page = await this.chroma.get(collection, { include: ['documents', 'metadatas'], limit: pageSize, offset });
      ops++;
      page.ids.forEach((id, i) => {
        ids.push(id);
        documents.push(page.documents?.[i] ?? null);
        metadatas.push(page.metadatas?.[i] ?? null);
      });
      if (page.ids.length < pageSize) break;
    }
    return { docs: toDocuments(ids, documents, metadatas), ops };
  }

  private serialised<T>(collection: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(collection) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => {});
    this.locks.set(collection, settled);
    void settled.then(() => {
      if (this.locks.get(collection) === settled) this.locks.delete(collection);
    });
    return next;
  }
}
