/**
 * Chroma -> Dolt change detection and staging. Chroma is the working copy of a document collection; the version
 * store (DoltLite, or Dolt/MySQL through mysql2) is its history.
 *
 * Detection streams: one Chroma operation per page of `batchSize` chunks, each page reduced to per-document
 * summaries in the session (hashes computed where the data is), and one version-store query, run at the same
 * time. Nothing is asked per document and no text of an unchanged document reaches this thread; texts of
 * added and modified documents are read by id when a stage needs them. Detect and stage on one collection run
 * one at a time; different collections run concurrently.
 *
 * What is never lost (see the README's Guarantees): a write adds the new version of each document beside the
 * old one and removes the old one only after the new one is complete; a document the page scan cannot settle
 * (absent, seen in part, seen at several versions) is looked up by id before anything is said of it; every
 * input is validated before anything is written; a staged change set is validated before the store is touched;
 * a stage never marks as staged a write its scan may have missed (stage-floor.ts).
 */
import { argError, checkOneOf, checkOptions, checkWholeNumber, describeValue } from '../check-args.js';
import type { Chroma } from '../chroma/chroma.js';
import type { CallOptions } from '../executor/options.js';
import { AbortError } from '../errors.js';
import { checkDocumentId, checkMessage } from '../dolt/validate-changes.js';
import type { VersionStore } from '../dolt/version-store.js';
import { ownerOf, type SourceDocument } from './documents.js';
import { adoptRecords, type AdoptResult } from './adopt.js';
import { ChromaReader } from './chroma-reader.js';
import { detect, type Detection } from './detect.js';
import { recordStageFloor, recordStageStart, stampIfLate } from './stage-floor.js';
import { stageChanges } from './stage-changes.js';
import { nextWriteId } from './chunking.js';
import { validateDocuments } from './validate-documents.js';
import { writeVersions } from './write-documents.js';

/**
 * How detection looks for changes.
 * - `content` re-hashes every document's text (in the session, where the data is), so edits made in Chroma
 *   without the library are found too.
 * - `flags` reads ids only (additions and deletions by presence; deletions still confirmed by a lookup by id)
 *   and the metadata of the chunks written through the library since the last stage, trusting the recorded
 *   hashes of everything else: several times cheaper, blind to edits made in Chroma without the library.
 */
export type Verify = 'content' | 'flags';

export interface DetectResult {
  collection: string;
  /** The level that ran. */
  verify: Verify;
  /** What this level cannot see (empty for `content`). */
  cannotSee: string[];
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
  /**
   * Milliseconds: reading Chroma and the store (at the same time), comparing (with any lookup by id), the whole
   * call; a stage adds recording its start marker, reading the changed texts by id (`fetchMs`), the time it
   * waited for the store's streamed commit (`commitMs`: writing the parts it handed over, then committing) and the
   * floor.
   */
  timings: {
    chromaMs: number;
    storeMs: number;
    compareMs: number;
    totalMs: number;
    markerMs?: number;
    fetchMs?: number;
    commitMs?: number;
    floorMs?: number;
  };
}

export interface StageResult extends DetectResult {
  /** The commit made, or null when there was nothing to commit. */
  commit: string | null;
  /**
   * Whether the stage floor was recorded after the commit: the chunks staged then no longer count as unstaged
   * for `verify: 'flags'` (their `is_local_change` flags are never rewritten; see the README).
   */
  flagsCleared: boolean;
  /** Why recording the floor failed (the commit stands; the next detect finds nothing at either level). */
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
  /**
   * Why marking the chunks as written during a stage failed, when it did (a stage started while this write
   * ran). The write stands; `verify: 'content'` always sees it, `verify: 'flags'` may not until it is rewritten.
   */
  stampError?: unknown;
}

/** Progress of a long sync call, reported after each Chroma operation or store commit. */
export type SyncProgress =
  | { phase: 'read'; pagesRead: number; chunksRead: number }
  | { phase: 'write'; documentsWritten: number; documentsTotal: number; chunksWritten: number; chunksTotal: number }
  | { phase: 'fetch'; documentsRead: number; documentsTotal: number }
  | { phase: 'commit'; documents: number }
  | { phase: 'floor'; recorded: boolean }
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
  /**
   * Cancels the call: an already-aborted signal rejects at once, before anything is read or written; an abort
   * mid-call cancels the Chroma operations it has in flight or queued and rejects with `AbortError`
   * (`ERR_SESSION_ABORTED`, `cause` = `signal.reason`). What the call leaves is what a crash at that point leaves
   * (see the README's Cancellation), never a held lock: the next call on the collection runs normally.
   * @default none
   */
  signal?: AbortSignal;
}

export interface WriteOptions extends SyncCallOptions {
  /**
   * Whether the written chunks are marked `is_local_change` (a change to stage). A checkout, which writes what a
   * commit already holds, passes false; such a write also takes chunk-shaped document ids (`x_chunk_3`), which
   * a commit holds when a stage committed a record another tool named so.
   * @default true
   */
  localChange?: boolean;
}

export interface DetectOptions extends SyncCallOptions {
  /** How changes are looked for; see {@link Verify}. @default 'content' */
  verify?: Verify;
}

export interface StageOptions extends DetectOptions {
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

/**
 * The per-collection queues, shared by every ChromaDoltSync over one Chroma client: two instances (an app's own
 * and a Repository's, say) staging one collection at once would otherwise both commit the same changes.
 */
const locksByClient = new WeakMap<Chroma, Map<string, Promise<unknown>>>();

function locksOf(chroma: Chroma): Map<string, Promise<unknown>> {
  let locks = locksByClient.get(chroma);
  if (!locks) locksByClient.set(chroma, (locks = new Map()));
  return locks;
}

export class ChromaDoltSync {
  private readonly locks: Map<string, Promise<unknown>>;
  private readonly batchSize: number;

  constructor(
    readonly chroma: Chroma,
    readonly store: VersionStore,
    options: SyncOptions = {},
  ) {
    // Checked here, not at first use: a missing client or a batch size of NaN would otherwise surface later as
    // an unrelated error from inside a write or a page read.
    if (typeof chroma !== 'object' || chroma === null || typeof chroma.maxBatchSize !== 'number') {
      throw argError(`ChromaDoltSync: chroma must be a Chroma client, got ${describeValue(chroma)}`, 'ERR_INVALID_ARG_TYPE');
    }
    if (typeof store !== 'object' || store === null) {
      throw argError(`ChromaDoltSync: store must be a version store, got ${describeValue(store)}`, 'ERR_INVALID_ARG_TYPE');
    }
    const { batchSize } = checkOptions('ChromaDoltSync', options, ['batchSize']) as SyncOptions;
    if (batchSize !== Infinity) checkWholeNumber('ChromaDoltSync', "option 'batchSize'", batchSize, 1);
    this.batchSize = Math.min(batchSize ?? chroma.maxBatchSize, chroma.maxBatchSize);
    this.locks = locksOf(chroma);
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
    checkCollectionArg('writeDocuments', collection);
    checkSyncOptions('writeDocuments', options, ['localChange']);
    validateDocuments(docs, this.store.maxDocumentBytes, options?.localChange === false);
    return this.serialised(collection, 'writeDocuments', options, () =>
      writeVersions(this.chroma, collection, docs, this.reader(collection, callOptions(options)), this.batchSize, callOptions(options), (p) =>
        report(options, p), options?.localChange ?? true,
      ),
    );
  }

  /**
   * Deletes documents (all their chunks, and a record with the document's id that another tool wrote) from
   * Chroma: one lookup and one delete.
   */
  async deleteDocuments(collection: string, docIds: string[], options: SyncCallOptions = {}): Promise<void> {
    checkCollectionArg('deleteDocuments', collection);
    checkSyncOptions('deleteDocuments', options, []);
    if (!Array.isArray(docIds)) throw argError('ChromaDoltSync.deleteDocuments: docIds must be an array', 'ERR_INVALID_ARG_TYPE');
    docIds.forEach((docId, index) => checkDocumentId(docId, index));
    return this.serialised(collection, 'deleteDocuments', options, async () => {
      if (docIds.length === 0) return;
      const reader = this.reader(collection, callOptions(options));
      // Deleting an id twice is deleting it once; Chroma would refuse the lookup's repeated ids (naming one).
      const wanted = new Set(docIds);
      const records = await reader.recordsOf([...wanted], false);
      // By id: only a record that is nobody else's chunk.
      const ids = records.filter((r) => wanted.has(ownerOf(r))).map((r) => r.id);
      await reader.deleteIds(ids);
    });
  }

  /**
   * Compares Chroma with the version store; see {@link DetectResult}. Operations: ceil(chunks / batchSize) page
   * reads (`content`), or as many id-only page reads plus the unstaged chunks' pages and one collection read
   * (`flags`); plus at most 2 lookups by id when some document could not be settled from the pages.
   */
  async detectLocalChanges(collection: string, options: DetectOptions = {}): Promise<DetectResult> {
    checkCollectionArg('detectLocalChanges', collection);
    checkSyncOptions('detectLocalChanges', options, ['verify']);
    const verify = checkVerify(options?.verify);
    return this.serialised(collection, 'detectLocalChanges', options, async () => (await this.detect(collection, options, verify)).result);
  }

  /**
   * Writes what detection found to the version store in one transaction (with sync-log rows) and commits it.
   * The texts of added and modified documents reach the store part by part through its streamed commit
   * (nothing holds them all): at the content level, taken from detection's own page scan, which carries the
   * texts of the documents that may be unstaged (one read of the collection in all; see stage-changes.ts); at
   * the flags level, read by id in operations of at most `batchSize` chunks. No chunk is rewritten: the stage
   * records its start marker before reading and, once committed, the floor
   * under which flagged chunks count as staged (two and one small collection-metadata writes). Running it
   * again finds nothing. If the store fails nothing is written and the floor stays. The message is checked
   * before anything is read.
   */
  async stageLocalChanges(collection: string, options: StageOptions): Promise<StageResult> {
    checkCollectionArg('stageLocalChanges', collection);
    checkSyncOptions('stageLocalChanges', options, ['verify', 'message']);
    checkMessage(options?.message);
    const verify = checkVerify(options.verify);
    return this.serialised(collection, 'stageLocalChanges', options, async () => {
      const call = callOptions(options);
      const started = performance.now();
      const { marker, floor } = await recordStageStart(this.chroma, collection, call);
      const markerMs = performance.now() - started;
      const { result, commit } = await stageChanges({
        chroma: this.chroma,
        store: this.store,
        collection,
        message: options.message,
        verify,
        batchSize: this.batchSize,
        call,
        progress: (p) => report(options, p),
        reader: () => this.reader(collection, call, options),
        floor,
        detect: (reader, hashes) => this.detect(collection, options, verify, floor, reader, hashes),
      });
      let step = performance.now();
      const lap = () => -step + (step = performance.now());
      let flagsCleared = true;
      let flagError: unknown;
      lap();
      try {
        // Past the commit the stage finishes its one short step whatever the signal says: an abort now would
        // only leave the staged chunks counted as unstaged for `verify: 'flags'`.
        await recordStageFloor(this.chroma, collection, marker, withoutSignal(call));
        result.sessionOps++;
      } catch (error) {
        flagsCleared = false;
        flagError = error;
      }
      result.timings.floorMs = lap();
      result.timings.markerMs = markerMs;
      result.timings.totalMs = performance.now() - started;
      report(options, { phase: 'floor', recorded: flagsCleared });
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
  async adoptCollection(collection: string, options: SyncCallOptions = {}): Promise<AdoptResult> {
    checkCollectionArg('adoptCollection', collection);
    checkSyncOptions('adoptCollection', options, []);
    return this.serialised(collection, 'adoptCollection', options, async () => {
      const call = callOptions(options);
      const reader = this.reader(collection, call, options);
      const records = await reader.scan(true);
      const version = nextWriteId();
      const plan = adoptRecords(records.values(), version);
      for (let start = 0; start < plan.ids.length; start += this.batchSize) {
        const end = Math.min(start + this.batchSize, plan.ids.length);
        await this.chroma.update(collection, { ids: plan.ids.slice(start, end), metadatas: plan.metadatas.slice(start, end) }, call);
        reader.ops++;
        report(options, { phase: 'flags', chunksUpdated: end, chunksTotal: plan.ids.length });
      }
      // Adopted records are unstaged changes: as for a write, a stage that started meanwhile must not hide them.
      if (plan.ids.length > 0) reader.ops += await stampIfLate(this.chroma, collection, plan.ids, version, call, this.batchSize);
      return { adopted: plan.adopted, skipped: plan.skipped, sessionOps: reader.ops };
    });
  }

  private reader(collection: string, call: CallOptions, progress?: SyncCallOptions): ChromaReader {
    return new ChromaReader(this.chroma, collection, this.batchSize, call, (p) => report(progress ?? {}, p));
  }

  private async detect(
    collection: string,
    options: SyncCallOptions,
    verify: Verify,
    floor?: number | null,
    reader: ChromaReader = this.reader(collection, callOptions(options), options),
    hashes?: Promise<Map<string, string>>,
  ): Promise<Detection> {
    return detect(
      {
        chroma: this.chroma,
        collection,
        reader,
        documentHashes: () => hashes ?? this.store.documentHashes(collection),
        maxDocumentBytes: this.store.maxDocumentBytes,
        ...(floor === undefined ? {} : { floor }),
      },
      verify,
    );
  }

  /**
   * Runs `work` after the collection's earlier calls. An aborted signal rejects before the call waits or after it
   * waited, without running `work`; a failure after the signal fired is reported as the abort it caused.
   */
  private serialised<T>(collection: string, method: string, options: SyncCallOptions, run: () => Promise<T>): Promise<T> {
    const signal = options?.signal;
    const op = `ChromaDoltSync.${method}`;
    if (signal?.aborted) return Promise.reject(new AbortError(op, 'waiting', signal.reason));
    const work = async (): Promise<T> => {
      if (signal?.aborted) throw new AbortError(op, 'queued', signal.reason);
      try {
        return await run();
      } catch (error) {
        // Whichever operation saw the abort first (a queued one dropped, a running one cancelled, a write's
        // partial-failure report), the caller asked for this: one error, named after the call.
        if (signal?.aborted) throw new AbortError(op, 'running', signal.reason);
        throw error;
      }
    };
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

function checkVerify(verify: unknown): Verify {
  checkOneOf('ChromaDoltSync', "option 'verify'", verify, ['content', 'flags']);
  return (verify ?? 'content') as Verify;
}

/** A collection name is a non-empty string (what else Chroma accepts in a name, Chroma checks). */
function checkCollectionArg(method: string, collection: unknown): void {
  if (typeof collection !== 'string') {
    throw argError(`ChromaDoltSync.${method}: the collection name must be a string, got ${describeValue(collection)}`, 'ERR_INVALID_ARG_TYPE');
  }
  if (collection.length === 0) throw argError(`ChromaDoltSync.${method}: the collection name must not be empty`, 'ERR_INVALID_ARG_VALUE');
}

/** Closed call options (a misspelt `timeOutMs` would be ignored): the shared keys plus the method's own. */
function checkSyncOptions(method: string, options: unknown, own: readonly string[]): void {
  const o = checkOptions(`ChromaDoltSync.${method}`, options, ['onProgress', 'timeoutMs', 'signal', ...own]);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw argError(`ChromaDoltSync.${method}: option 'onProgress' must be a function`, 'ERR_INVALID_ARG_TYPE');
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw argError(`ChromaDoltSync.${method}: option 'signal' must be an AbortSignal, got ${describeValue(o.signal)}`, 'ERR_INVALID_ARG_TYPE');
  }
}

/** The options of each Chroma operation: the call's deadline per operation, and its signal (queued ones are dropped). */
function callOptions(options: SyncCallOptions | null | undefined): CallOptions {
  return {
    ...(options?.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options?.signal === undefined ? {} : { signal: options.signal }),
  };
}

function withoutSignal(call: CallOptions): CallOptions {
  const { signal: _signal, ...rest } = call;
  return rest;
}

function report(options: SyncCallOptions | null | undefined, progress: SyncProgress): void {
  try {
    options?.onProgress?.(progress);
  } catch {
    // A progress listener's failure is not the sync's.
  }
}
