/**
 * What a stage writes to the store, streamed: detection runs, the added and modified documents' texts are read
 * from Chroma part by part and handed to the store's streamed commit as they arrive, so nothing holds every
 * text at once (Node's memory follows a part, not the corpus). The commit is one transaction and one commit,
 * as before; it opens with the first part, so a stage with nothing to commit never touches the store.
 *
 * Two ways to the texts:
 * - detection's page scan (of the collection at the content level, of the unstaged chunks at the flags level)
 *   carries the texts of the documents that may be unstaged and hands changed ones over as it goes
 *   (stage-reader.ts): one read for detection and texts;
 * - documents the scan could not hand over are read by id after detection, in operations of at most
 *   `batchSize` chunks, each handed over before the next.
 * Documents the scan could not hand over (cut off, unsettled) are read by id at the end. If
 * detection settles a document handed over early at another version (a writer raced the scan), the commit is
 * rolled back and made again by id, with the detection already done: rare, and never a wrong commit.
 */
import type { Chroma } from '../chroma/chroma.js';
import type { CallOptions } from '../executor/options.js';
import type { ChangeBatch, DocumentRecord, VersionStore } from '../dolt/version-store.js';
import type { DetectResult, SyncProgress, Verify } from './chroma-dolt-sync.js';
import type { ChromaReader } from './chroma-reader.js';
import type { ChangedDocument, Detection } from './detect.js';
import { toDocuments } from './documents.js';
import { ConsumerGoneError, PartChannel } from './stage-parts.js';
import { StagingReader } from './stage-reader.js';
import { storeRefusal } from './stage-refusal.js';

export interface StageContext {
  chroma: Chroma;
  store: VersionStore;
  collection: string;
  message: string;
  verify: Verify;
  batchSize: number;
  call: CallOptions;
  progress: (progress: SyncProgress) => void;
  /** A plain reader of the collection (counted operations, the call's deadlines). */
  reader: () => ChromaReader;
  /** The stage floor in force when the stage started (stage-floor.ts). */
  floor: number | null;
  /** Detection with this reader and these store hashes. */
  detect: (reader: ChromaReader, hashes: Promise<Map<string, string>>) => Promise<Detection>;
}

/** Detection redone without early hand-over: a document handed over was settled at another version. */
class StartAgain extends Error {
  constructor(readonly detection: Detection) {
    super('a document handed to the store early was settled at another version');
  }
}

/** Detects and commits what changed; returns the detection's result (lists as staged) and the commit, or null. */
export async function stageChanges(context: StageContext): Promise<{ result: DetectResult; commit: string | null }> {
  // Read before any part opens the stream: the store's other calls wait while a streamed commit is open.
  const hashes = context.store.documentHashes(context.collection);
  hashes.catch(() => {}); // awaited by detection; a failure before then must not go unhandled
  try {
    return await attempt(context, hashes, null);
  } catch (error) {
    if (!(error instanceof StartAgain)) throw error;
    return attempt(context, hashes, error.detection);
  }
}

async function attempt(
  context: StageContext,
  hashes: Promise<Map<string, string>>,
  detected: Detection | null,
): Promise<{ result: DetectResult; commit: string | null }> {
  const { store, collection, message } = context;
  const channel = new PartChannel<ChangeBatch>();
  let streamed: Promise<string | null> | null = null;
  let documents = 0;
  /** Time the stage waited for the store (taking parts, then committing): the commit's share of the stage. */
  let storeWaitMs = 0;
  const send = async (part: ChangeBatch): Promise<void> => {
    if (streamed === null) {
      streamed = store.commitStream({ collection, message, batches: channel });
      // Settled below; until then, a store that settles early (it failed) must stop the reading at once.
      streamed.then(
        () => channel.stopped(),
        () => channel.stopped(),
      );
    }
    documents += (part.upserts?.length ?? 0) + (part.deletes?.length ?? 0);
    const waiting = performance.now();
    try {
      await channel.push(part);
    } finally {
      storeWaitMs += performance.now() - waiting;
    }
  };
  let result: DetectResult;
  let step = 0;
  try {
    let detection = detected;
    let early: StagingReader | null = null;
    if (detection === null) {
      const reader = (early = new StagingReader(context.chroma, collection, context.batchSize, context.call, context.progress, {
        hashes,
        floor: context.floor,
        write: (upserts) => send({ upserts }),
        maxDocumentBytes: store.maxDocumentBytes,
      }));
      reader.ops = 2; // the stage's start marker
      detection = await context.detect(reader, hashes);
      if (early && [...early.emitted.keys()].some((docId) => !detection!.changed.has(docId))) throw new StartAgain(detection);
      if (early && early.mismatched().length > 0) throw new StartAgain(detection);
    }
    result = detection.result;
    step = performance.now();
    const staged = new Set(early?.emitted.keys() ?? []);
    for (const [docId, code] of early?.refusedEarly ?? []) {
      if (detection.changed.has(docId)) result.refused.push({ docId, code });
    }
    const fetch = context.reader();
    const wanted = [...detection.changed.keys()].filter((docId) => !staged.has(docId) && !early?.refusedEarly.has(docId));
    await fetchByIds(context, fetch, wanted, detection.changed, result, staged, (upserts) => send({ upserts }));
    result.sessionOps += fetch.ops;
    context.progress({ phase: 'fetch', documentsRead: wanted.length, documentsTotal: wanted.length });
    if (result.deleted.length > 0) await send({ deletes: result.deleted });
    result.added = result.added.filter((docId) => staged.has(docId));
    result.modified = result.modified.filter((docId) => staged.has(docId));
    channel.end();
  } catch (error) {
    channel.fail(error);
    const storeFailure = streamed === null ? null : await (streamed as Promise<string | null>).then(() => null, (failure: unknown) => failure);
    // The store stopped first: its error is the stage's.
    throw error instanceof ConsumerGoneError && storeFailure !== null ? storeFailure : error;
  }
  result.timings.fetchMs = performance.now() - step;
  step = performance.now();
  const commit = streamed === null ? null : await (streamed as Promise<string | null>);
  if (streamed !== null) {
    result.storeQueries++;
    result.timings.commitMs = storeWaitMs + performance.now() - step;
    context.progress({ phase: 'commit', documents });
  }
  return { result, commit };
}

/**
 * Reads changed documents by id and hands them over a group at a time: library documents by `source_id` in
 * groups of at most `batchSize` chunks, then, for those a group did not settle, a lookup by id of the records
 * another tool may have written under the document's id. A document gone or incomplete now is left out; one
 * the store cannot take goes to `refused`.
 */
async function fetchByIds(
  context: StageContext,
  reader: ChromaReader,
  docIds: string[],
  changed: Map<string, ChangedDocument>,
  result: DetectResult,
  staged: Set<string>,
  send: (upserts: DocumentRecord[]) => Promise<void>,
): Promise<void> {
  const settled = new Set<string>();
  const take = async (ids: string[], records: Parameters<typeof toDocuments>[0]) => {
    const docs = toDocuments(records);
    const upserts: DocumentRecord[] = [];
    for (const docId of ids) {
      const doc = docs.get(docId);
      if (settled.has(docId) || !doc || doc.content === null || doc.actualHash === null) continue;
      settled.add(docId);
      const problem = storeRefusal(docId, doc.content, doc.metadata, context.store.maxDocumentBytes);
      if (problem) {
        result.refused.push({ docId, code: problem });
        continue;
      }
      upserts.push({ docId, content: doc.content, contentHash: doc.actualHash, metadata: doc.metadata });
      staged.add(docId);
    }
    if (upserts.length > 0) await send(upserts);
  };
  const [groups, byId] = lookupGroups(docIds, changed, context.batchSize);
  for (const group of groups) await take(group, await reader.recordsToStage([group], []));
  const rest = byId.filter((docId) => !settled.has(docId));
  if (rest.length > 0) await take(rest, await reader.recordsToStage([], rest));
}

/**
 * Lookups for documents by id: library documents by `source_id` in groups of at most `batchSize` chunks, and
 * the ones that may be records another tool wrote by their id.
 */
function lookupGroups(docIds: string[], changed: Map<string, ChangedDocument>, batchSize: number): [string[][], string[]] {
  const groups: string[][] = [];
  let chunksInGroup = 0;
  const byId: string[] = [];
  for (const docId of docIds) {
    const doc = changed.get(docId)!;
    if (doc.foreign !== false) byId.push(docId);
    if (doc.foreign === true) continue;
    if (groups.length === 0 || chunksInGroup + doc.chunks > batchSize) {
      groups.push([]);
      chunksInGroup = 0;
    }
    groups[groups.length - 1]!.push(docId);
    chunksInGroup += doc.chunks;
  }
  return [groups, byId];
}
