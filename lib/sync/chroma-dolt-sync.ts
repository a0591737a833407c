/**
 * Chroma -> Dolt change detection and staging. Chroma is the working copy of a document collection; the version
 * store (DoltLite, or Dolt/MySQL through mysql2) is its history.
 *
 * Detection costs a constant few bulk operations whatever the number of documents: one Chroma read per page of
 * `batchSize` chunks (ids, texts and metadata together) and one version-store query, run at the same time.
 * Nothing is asked per document. Detect and stage on one collection run one at a time; different collections
 * run concurrently.
 *
 * What is never lost (see the README's Guarantees): a write adds the new version of each document beside the
 * old one and removes the old one only after the new one is complete; a document absent from the page scan is
 * reported deleted only after a lookup by its id confirms it (another writer may have shifted the pages); every
 * input is validated before anything is written; a staged change set is validated before the store is touched.
 */
import type { Chroma } from '../chroma/chroma.js';
import type { Metadata } from '../chroma/types.js';
import type { CallOptions } from '../executor/options.js';
import {
  checkDocumentId,
  checkDocumentSize,
  checkMessage,
  checkMetadata,
  validateChangeSet,
} from '../dolt/validate-changes.js';
import type { ChangeSet, VersionStore } from '../dolt/version-store.js';
import { ownerOf, toDocuments, type ChromaDocument, type SourceDocument } from './documents.js';
import { adoptRecords, type AdoptResult } from './adopt.js';
import { ChromaReader } from './chroma-reader.js';
import { validateDocuments } from './validate-documents.js';
import { writeVersions } from './write-documents.js';

export interface DetectResult {
  collection: string;
  /** Document ids in Chroma and not in the version store. */
  added: string[];
  /** Document ids whose content in Chroma differs from the version store (through the library or not). */
  modified: string[];
  /** Document ids in the version store and gone from Chroma (confirmed by a lookup by id). */
  deleted: string[];
  /** Documents with no complete version: they cannot be staged until rewritten (and are not deleted). */
  incomplete: string[];
  /**
   * Documents in Chroma the version store cannot take (written by another tool: an id over the length limit, a
   * document over the store's size limit, metadata that is not JSON). Not staged, so the rest can be; the
   * `code` says why (`ERR_STORE_INVALID_CHANGE`, `ERR_STORE_DOCUMENT_TOO_LARGE`).
   */
  refused: Array<{ docId: string; code: string }>;
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

export interface WriteResult {
  /** The documents written (all of the input). */
  documents: number;
  /** Chunk records written. */
  chunks: number;
  /** Chroma session operations used. */
  sessionOps: number;
  /**
   * Why removing the previous versions' chunks failed, when it did. The write stands (readers see the new
   * versions); the next write of those documents removes the leftovers.
   */
  cleanupError?: unknown;
}

/** Progress of a long sync call, reported after each Chroma operation or store commit. */
export type SyncProgress =
  | { phase: 'read'; pagesRead: number; chunksRead: number }
  | { phase: 'write'; documentsWritten: number; documentsTotal: number; chunksWritten: number; chunksTotal: number }
  | { phase: 'commit'; documents: number }
  | { phase: 'flags'; chunksUpdated: number; chunksTotal: number };

export interface SyncCallOptions {
  /** Called after each step with how far the call got; exceptions it throws are ignored. @default none */
  onProgress?: (progress: SyncProgress) => void;
  /**
   * Deadline of each Chroma operation the call makes (not of the whole call: a long write is many operations,
   * each of at most `batchSize` chunks).
   * @default the Chroma executor's `timeoutMs`
   */
  timeoutMs?: number;
}

export interface WriteOptions extends SyncCallOptions {
  /**
   * Whether the written chunks are marked `is_local_change` (a change to stage). A checkout, which writes what a
   * commit already holds, passes false.
   * @default true
   */
  localChange?: boolean;
}

export interface StageOptions extends SyncCallOptions {
  /** The commit message: a non-blank string (checked before anything is read or written). */
  message: string;
}

export interface SyncOptions {
  /**
   * Most chunk records in one Chroma operation (a write, a page read, an update). Smaller operations each meet
   * their own deadline; fewer operations are faster.
   * @default the Chroma server's maxBatchSize
   */
  batchSize?: number;
}

function hasChanges(result: DetectResult): boolean {
  return result.added.length + result.modified.length + result.deleted.length > 0;
}

export class ChromaDoltSync {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly batchSize: number;

  constructor(
    readonly chroma: Chroma,
    readonly store: VersionStore,
    options: SyncOptions = {},
  ) {
    this.batchSize = Math.max(1, Math.min(options.batchSize ?? chroma.maxBatchSize, chroma.maxBatchSize));
  }

  /**
   * Writes documents into Chroma as chunks marked `is_local_change`, replacing the previous versions of
   * documents with the same ids. The whole input is validated first (nothing is written if any document is
   * bad). New chunks are written in operations of at most `batchSize` records, each with its own deadline;
   * previous versions are removed only after all new ones exist. If an operation fails, the call rejects with
   * SyncWriteError saying exactly which documents are at their new version; every other one is at its previous
   * version.
   */
  async writeDocuments(collection: string, docs: SourceDocument[], options: WriteOptions = {}): Promise<WriteResult> {
    validateDocuments(docs, this.store.maxDocumentBytes);
    return this.serialised(collection, () =>
      writeVersions(this.chroma, collection, docs, this.reader(collection, callOptions(options)), this.batchSize, callOptions(options), (p) =>
        report(options, p), options.localChange ?? true,
      ),
    );
  }

  /**
   * Deletes documents (all their chunks, and a record with the document's id that another tool wrote) from
   * Chroma: one lookup and one delete.
   */
  async deleteDocuments(collection: string, docIds: string[], options: SyncCallOptions = {}): Promise<void> {
    if (!Array.isArray(docIds)) throw new TypeError('docIds must be an array');
    docIds.forEach((docId, index) => checkDocumentId(docId, index));
    return this.serialised(collection, async () => {
      if (docIds.length === 0) return;
      const reader = this.reader(collection, callOptions(options));
      const records = await reader.recordsOf(docIds, false);
      const wanted = new Set(docIds);
      // By id: only a record that is nobody else's chunk.
      const ids = records.filter((r) => wanted.has(ownerOf(r))).map((r) => r.id);
      await reader.deleteIds(ids);
    });
  }

  /** Compares Chroma with the version store; see {@link DetectResult}. */
  detectLocalChanges(collection: string, options: SyncCallOptions = {}): Promise<DetectResult> {
    return this.serialised(collection, async () => (await this.detect(collection, options)).result);
  }

  /**
   * Writes what detection found to the version store in one transaction (with sync-log rows) and commits it,
   * then clears `is_local_change` on the chunks committed. Running it again finds nothing. If the store fails
   * nothing is written and the flags stay. The message is checked before anything is read.
   */
  async stageLocalChanges(collection: string, options: StageOptions): Promise<StageResult> {
    checkMessage(options?.message);
    return this.serialised(collection, async () => {
      const { result, docs } = await this.detect(collection, options);
      const changed = [...result.added, ...result.modified];
      let commit: string | null = null;
      if (hasChanges(result)) {
        const changes: ChangeSet = {
          collection,
          upserts: changed.map((docId) => {
            const doc = docs.get(docId)!;
            return { docId, content: doc.content!, contentHash: doc.actualHash!, metadata: doc.metadata };
          }),
          deletes: result.deleted,
          message: options.message,
        };
        validateChangeSet(changes, { maxDocumentBytes: this.store.maxDocumentBytes }); // before the store is touched
        commit = await this.store.commitChanges(changes);
        result.storeQueries++;
        report(options, { phase: 'commit', documents: changed.length + result.deleted.length });
      }
      // Clear the flags and record the hash actually committed (an edit made outside the library left the old
      // one), on the chunks of the versions read. A version written since has other ids and keeps its flag.
      const ids: string[] = [];
      const metadatas: Metadata[] = [];
      const notStaged = new Set(result.refused.map((r) => r.docId));
      for (const doc of docs.values()) {
        if (doc.actualHash === null || notStaged.has(doc.docId) || (!doc.flagged && doc.recordedHash === doc.actualHash)) continue;
        for (const id of doc.chunkIds) {
          ids.push(id);
          metadatas.push({ is_local_change: false, content_hash: doc.actualHash });
        }
      }
      let flagsCleared = true;
      let flagError: unknown;
      try {
        for (let start = 0; start < ids.length; start += this.batchSize) {
          const end = Math.min(start + this.batchSize, ids.length);
          await this.chroma.update(collection, { ids: ids.slice(start, end), metadatas: metadatas.slice(start, end) }, callOptions(options));
          result.sessionOps++;
          report(options, { phase: 'flags', chunksUpdated: end, chunksTotal: ids.length });
        }
      } catch (error) {
        flagsCleared = false;
        flagError = error;
      }
      return { ...result, commit, flagsCleared, ...(flagError === undefined ? {} : { flagError }) };
    });
  }

  /**
   * Takes over a collection written by another tool or by an older system: records without the library's
   * metadata become documents (records named `{docId}_chunk_{i}` with indexes 0..n-1 are joined into document
   * `docId`, taken as overlapping by 50 characters as the seed system wrote them; any other record is a
   * one-chunk document named by its id) and get the library's metadata in place, ids unchanged. After that,
   * `writeDocuments` and `deleteDocuments` by document id reach them. Records that cannot be adopted (a chunk
   * group with gaps, a group whose id is already a document, a record without text) are left as they are and
   * listed in `skipped`. Never guessed: detection without adoption reads each such record as its own
   * one-chunk document.
   */
  adoptCollection(collection: string, options: SyncCallOptions = {}): Promise<AdoptResult> {
    return this.serialised(collection, async () => {
      const reader = this.reader(collection, callOptions(options), options);
      const records = await reader.scan(true);
      const plan = adoptRecords(records.values());
      for (let start = 0; start < plan.ids.length; start += this.batchSize) {
        const end = Math.min(start + this.batchSize, plan.ids.length);
        await this.chroma.update(collection, { ids: plan.ids.slice(start, end), metadatas: plan.metadatas.slice(start, end) }, callOptions(options));
        reader.ops++;
        report(options, { phase: 'flags', chunksUpdated: end, chunksTotal: plan.ids.length });
      }
      return { adopted: plan.adopted, skipped: plan.skipped, sessionOps: reader.ops };
    });
  }

  private reader(collection: string, call: CallOptions, progress?: SyncCallOptions): ChromaReader {
    return new ChromaReader(this.chroma, collection, this.batchSize, call, (p) => report(progress ?? {}, p));
  }

  private async detect(
    collection: string,
    options: SyncCallOptions,
  ): Promise<{ result: DetectResult; docs: Map<string, ChromaDocument> }> {
    const started = performance.now();
    let chromaMs = 0;
    let storeMs = 0;
    const reader = this.reader(collection, callOptions(options), options);
    // The two reads touch different owners, so they run at the same time.
    const [records, hashes] = await Promise.all([
      reader.scan(true).then((value) => {
        chromaMs = performance.now() - started;
        return value;
      }),
      this.store.documentHashes(collection).then((value) => {
        storeMs = performance.now() - started;
        return value;
      }),
    ]);
    const compareStart = performance.now();
    const docs = toDocuments(records.values());
    // A document missing from the scan may have been moved by another writer while the pages were read:
    // confirm each candidate by id before calling it deleted.
    const candidates = [...hashes.keys()].filter((docId) => !docs.has(docId));
    if (candidates.length > 0) {
      const found = await reader.recordsOf(candidates, true);
      for (const [docId, doc] of toDocuments(found)) if (!docs.has(docId)) docs.set(docId, doc);
    }
    const added: string[] = [];
    const modified: string[] = [];
    const incomplete: string[] = [];
    const refused: Array<{ docId: string; code: string }> = [];
    for (const doc of docs.values()) {
      if (doc.actualHash === null) {
        incomplete.push(doc.docId);
        continue;
      }
      const committed = hashes.get(doc.docId);
      if (committed === doc.actualHash) continue;
      const problem = storeRefusal(doc, this.store.maxDocumentBytes);
      if (problem) refused.push({ docId: doc.docId, code: problem });
      else if (committed === undefined) added.push(doc.docId);
      else modified.push(doc.docId);
    }
    const deleted = candidates.filter((docId) => !docs.has(docId));
    const now = performance.now();
    return {
      docs,
      result: {
        collection,
        added,
        modified,
        deleted,
        incomplete,
        refused,
        sessionOps: reader.ops,
        storeQueries: 1,
        timings: { chromaMs, storeMs, compareMs: now - compareStart, totalMs: now - started },
      },
    };
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

/** Why the version store would refuse a document read from Chroma (its error code), or null. */
function storeRefusal(doc: ChromaDocument, maxDocumentBytes: number | undefined): string | null {
  try {
    checkDocumentId(doc.docId, 0);
    checkDocumentSize(doc.content!, checkMetadata(doc.metadata, 0), 0, maxDocumentBytes);
    return null;
  } catch (error) {
    return (error as { code: string }).code;
  }
}

function callOptions(options: SyncCallOptions): CallOptions {
  return options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
}

function report(options: SyncCallOptions, progress: SyncProgress): void {
  try {
    options.onProgress?.(progress);
  } catch {
    // A progress listener's failure is not the sync's.
  }
}
