/**
 * Detection at its two levels, streaming: pages of Chroma are reduced to per-document summaries as they
 * arrive, while the store's `(doc_id, content_hash)` pairs are read at the same time (different owners).
 *
 * - `content`: every page is summarised in the session (hash of each document's joined text computed where
 *   the data is); finds edits made in Chroma without the library.
 * - `flags`: every id (in pages ten times larger, see chroma-reader.ts), for presence, plus the metadata of
 *   the unstaged chunks (a `where` filter, see stage-floor.ts), both scans at once; trusts the recorded hashes
 *   of everything else.
 *
 * At both levels a document the scan cannot settle (in the store but not seen, seen in part, or seen at more
 * than one version) is looked up by id before anything is said of it, so a writer shifting pages during the
 * scan can neither make a live document look deleted nor a whole one look incomplete.
 */
import { checkDocumentId } from '../dolt/validate-changes.js';
import type { Chroma } from '../chroma/chroma.js';
import type { DetectResult, Verify } from './chroma-dolt-sync.js';
import type { ChromaReader } from './chroma-reader.js';
import { CHUNK_OVERLAP } from './chunking.js';
import { DocumentScan } from './document-scan.js';
import { toDocuments, type ChromaDocument } from './documents.js';
import { readMarkers, unstagedFilter } from './stage-floor.js';

/** What the flags level cannot see; the content level sees everything. */
export const FLAGS_CANNOT_SEE = [
  'edits to chunk text or metadata made in Chroma without the library (their recorded hashes are trusted)',
  'documents whose chunks are missing or damaged, unless written by the library since the last stage',
  'records another tool added or removed under an id shaped like a chunk id of a document the store holds',
];

/** How the stage reaches an added or modified document: its chunk count, and whether another tool wrote it. */
export interface ChangedDocument {
  chunks: number;
  /** True for a record without the library's metadata, false for library chunks, null when not known. */
  foreign: boolean | null;
}

export interface Detection {
  result: DetectResult;
  changed: Map<string, ChangedDocument>;
  /** Records the page scan read (the collection's size, as far as detection knows). */
  recordsSeen: number;
}

export interface DetectContext {
  chroma: Chroma;
  collection: string;
  reader: ChromaReader;
  documentHashes: () => Promise<Map<string, string>>;
  maxDocumentBytes: number | undefined;
  /** The stage floor in force, when the caller read it already (flags level). */
  floor?: number | null;
}

/** One document's state as detection settles it. */
interface Settled {
  hash: string | null;
  bytes: number | null;
  chunks: number;
  foreign: boolean | null;
}

export async function detect(context: DetectContext, verify: Verify): Promise<Detection> {
  return verify === 'flags' ? detectByFlags(context) : detectByContent(context);
}

async function detectByContent(context: DetectContext): Promise<Detection> {
  const clock = new Clock();
  const scan = new DocumentScan(true, CHUNK_OVERLAP);
  let recordsSeen = 0;
  const [, hashes] = await Promise.all([
    clock.time('chromaMs', context.reader.scanSummaries({ withHashes: true }, (page) => {
      scan.addPage(page);
      recordsSeen += page.records;
    })),
    clock.time('storeMs', context.documentHashes()),
  ]);
  const compareStart = performance.now();
  const settled = new Map<string, Settled>();
  const lookup: string[] = [];
  for (const [docId, seen] of scan.entries()) {
    if (DocumentScan.unsettled(seen)) lookup.push(docId);
    else settled.set(docId, seen); // the scan's own record: no second object per document
  }
  for (const docId of hashes.keys()) if (!scan.has(docId)) lookup.push(docId);
  for (const [docId, doc] of await lookUp(context.reader, lookup, true)) settled.set(docId, fromDocument(doc));
  return { ...compare(context, 'content', settled, hashes, clock, compareStart), recordsSeen };
}

async function detectByFlags(context: DetectContext): Promise<Detection> {
  const clock = new Clock();
  const present = new Map<string, number>(); // document id -> chunk ids seen
  let recordsSeen = 0;
  // Ids shaped like a chunk id: whose they are needs more than the id (another tool may name its records so).
  const chunkShaped: string[] = [];
  const unstaged = new DocumentScan(false, CHUNK_OVERLAP);
  let known: Map<string, string> | null = null; // the store's documents, once read
  const count = (owner: string) => present.set(owner, (present.get(owner) ?? 0) + 1);
  const chroma = async () => {
    const floor = context.floor !== undefined ? context.floor : (await readMarkers(context.chroma, context.collection, {})).floor;
    if (context.floor === undefined) context.reader.ops++;
    // Both scans at once: their pages travel to the session together, which never waits between them.
    await Promise.all([
      context.reader.scanIds((ids) => {
        recordsSeen += ids.length;
        for (const id of ids) {
          const prefix = chunkPrefixOf(id);
          if (prefix === null) count(id);
          // Settled now when the store knows the prefix and not the id itself (most chunks): only ids are kept.
          else if (known !== null && known.has(prefix) && !known.has(id)) count(prefix);
          else chunkShaped.push(id);
        }
      }),
      context.reader.scanSummaries({ where: unstagedFilter(floor), withHashes: false, quiet: true }, (page) => unstaged.addPage(page)),
    ]);
  };
  const storeHashes = context.documentHashes().then((hashes) => (known = hashes));
  const [, hashes] = await Promise.all([clock.time('chromaMs', chroma()), clock.time('storeMs', storeHashes)]);
  const compareStart = performance.now();
  const settled = new Map<string, Settled>();
  const lookup: string[] = [];
  // A chunk-shaped id is its own document when the store has a document of that id, a chunk of its prefix when
  // that document is known (to the store, or as unstaged). Otherwise a legacy-shaped one is another tool's
  // record; a versioned one (`@{hex}`) is that too, or a chunk of a document no stage took (left incomplete): the
  // metadata says which, so both are looked up (rare: none in a collection the library wrote whole).
  const orphans = new Set<string>();
  for (const id of chunkShaped) {
    const prefix = chunkPrefixOf(id)!;
    if (!hashes.has(id) && !unstaged.has(id) && (hashes.has(prefix) || unstaged.has(prefix))) count(prefix);
    else if (hashes.has(id) || unstaged.has(id) || !id.includes('@')) count(id);
    else orphans.add(id).add(prefix);
  }
  lookup.push(...orphans);
  // Unstaged documents: their recorded hash, trusted.
  for (const [docId, seen] of unstaged.entries()) {
    if (DocumentScan.unsettled(seen)) lookup.push(docId);
    else settled.set(docId, { hash: seen.best!.recordedHash ?? hashes.get(docId) ?? ADDED, bytes: null, chunks: seen.best!.chunks, foreign: seen.best!.writeId < 0 });
  }
  // Everything else: present or not. A document new to the store is added whatever its flags say.
  for (const [docId, chunks] of present) {
    if (settled.has(docId) || unstaged.has(docId)) continue;
    settled.set(docId, { hash: hashes.get(docId) ?? ADDED, bytes: null, chunks, foreign: null });
  }
  for (const docId of hashes.keys()) if (!present.has(docId) && !unstaged.has(docId)) lookup.push(docId);
  for (const [docId, doc] of await lookUp(context.reader, lookup, false)) {
    // Seen unstaged: its recorded hash; otherwise present, and trusted to be as committed.
    const trusted = unstaged.has(docId) && doc.recordedHash !== null ? doc.recordedHash : (hashes.get(docId) ?? ADDED);
    settled.set(docId, { hash: doc.complete ? trusted : null, bytes: null, chunks: doc.chunkIds.length, foreign: doc.foreign });
  }
  return { ...compare(context, 'flags', settled, hashes, clock, compareStart), recordsSeen };
}

/** A hash no document has: marks a document the flags level found by presence only (not in the store). */
const ADDED = 'added';

/**
 * Lookups by id of documents the scan could not settle: returns each one found (a document with no complete
 * version has a null hash). Texts only at the content level.
 */
async function lookUp(reader: ChromaReader, docIds: string[], withText: boolean): Promise<Map<string, ChromaDocument>> {
  if (docIds.length === 0) return new Map();
  const found = toDocuments(await reader.recordsOf(docIds, withText), withText);
  const wanted = new Set(docIds);
  for (const docId of found.keys()) if (!wanted.has(docId)) found.delete(docId);
  return found;
}

function fromDocument(doc: ChromaDocument): Settled {
  const bytes = doc.content === null ? null : Buffer.byteLength(doc.content, 'utf8');
  return { hash: doc.actualHash, bytes, chunks: doc.chunkIds.length, foreign: doc.foreign };
}

function compare(
  context: DetectContext,
  verify: Verify,
  settled: Map<string, Settled>,
  hashes: Map<string, string>,
  clock: Clock,
  compareStart: number,
): Omit<Detection, 'recordsSeen'> {
  const added: string[] = [];
  const modified: string[] = [];
  const incomplete: string[] = [];
  const refused: Array<{ docId: string; code: string }> = [];
  const changed = new Map<string, ChangedDocument>();
  for (const [docId, doc] of settled) {
    if (doc.hash === null) {
      incomplete.push(docId);
      continue;
    }
    const committed = hashes.get(docId);
    if (committed === doc.hash) continue;
    const problem = storeRefusal(docId, doc.bytes, context.maxDocumentBytes);
    if (problem) {
      refused.push({ docId, code: problem });
      continue;
    }
    (committed === undefined ? added : modified).push(docId);
    changed.set(docId, doc); // it has the chunk count and whether another tool wrote it: no copy
  }
  const deleted = [...hashes.keys()].filter((docId) => !settled.has(docId));
  const now = performance.now();
  return {
    changed,
    result: {
      collection: context.collection,
      verify,
      cannotSee: verify === 'flags' ? [...FLAGS_CANNOT_SEE] : [],
      added,
      modified,
      deleted,
      incomplete,
      refused,
      sessionOps: context.reader.ops,
      storeQueries: 1,
      timings: { chromaMs: clock.chromaMs, storeMs: clock.storeMs, compareMs: now - compareStart, totalMs: now - clock.started },
    },
  };
}

/**
 * Why the version store would refuse a document (its error code), or null: its id, or its text alone over the
 * size limit. The stage checks each document whole (text and metadata) again once read, before the store is
 * touched.
 */
function storeRefusal(docId: string, bytes: number | null, maxDocumentBytes: number | undefined): string | null {
  try {
    checkDocumentId(docId, 0);
  } catch (error) {
    return (error as { code: string }).code;
  }
  return bytes !== null && maxDocumentBytes !== undefined && bytes > maxDocumentBytes ? 'ERR_STORE_DOCUMENT_TOO_LARGE' : null;
}

/** The document id a chunk-shaped record id (`{docId}_chunk_{i}`, with or without `@{hex}`) names, or null. */
export function chunkPrefixOf(id: string): string | null {
  const match = /^([\s\S]+)_chunk_\d+(?:@[0-9a-f]+)?$/.exec(id);
  return match ? match[1]! : null;
}

class Clock {
  readonly started = performance.now();
  chromaMs = 0;
  storeMs = 0;

  async time<T>(field: 'chromaMs' | 'storeMs', work: Promise<T>): Promise<T> {
    const value = await work;
    this[field] = performance.now() - this.started;
    return value;
  }
}
