/**
 * Documents in Chroma: how one document becomes chunk records (ids, texts, metadata) and how chunk records read
 * back become documents again.
 *
 * Reading back, chunks are grouped by document (`source_id`) and then by version (the `write_id` of the write
 * that made them, or the `content_hash` for chunks written before write ids): a document is its newest
 * complete version. A version whose write was interrupted is incomplete and never read; the version before it
 * still is. So a document is always at one version, the previous or the new one, whatever moment a write
 * stopped at.
 */
import type { Metadata } from '../chroma/types.js';
import { chunkId, chunkText, joinChunks } from './chunking.js';
import { canonicalMetadata, documentHash } from './hashing.js';

/** Metadata keys the sync layer owns on every chunk. */
export const SYNC_KEYS = ['source_id', 'chunk_index', 'total_chunks', 'content_hash', 'is_local_change', 'write_id', 'late_write'] as const;
const SYNC_KEY_SET: ReadonlySet<string> = new Set(SYNC_KEYS);

export interface SourceDocument {
  docId: string;
  content: string;
  /** Scalar metadata kept on every chunk and in the version store. Keys must not be the sync layer's own. */
  metadata?: Metadata;
}

export interface ChunkRecords {
  ids: string[];
  documents: string[];
  metadatas: Metadata[];
  /** For each input document, the index of its first record and its record count. */
  spans: Array<{ docId: string; start: number; count: number }>;
}

/**
 * The chunk records of documents written through the library by one write: marked `is_local_change` unless
 * `localChange` is false (a checkout writes what a commit holds).
 */
export function toChunkRecords(docs: SourceDocument[], writeId: number, localChange = true): ChunkRecords {
  const layout = layoutChunks(docs, writeId);
  const metadataOf = chunkMetadata(docs, layout, writeId, localChange);
  return { ids: layout.ids, documents: layout.documents, metadatas: layout.ids.map((_, i) => metadataOf(i)), spans: layout.spans };
}

/** A write's chunk records without their metadata: what deciding its operations needs. */
export interface ChunkLayout {
  ids: string[];
  documents: string[];
  /** For each record, the index of its document in the input. */
  owners: number[];
  /** For each input document, the index of its first record and its record count. */
  spans: Array<{ docId: string; start: number; count: number }>;
}

/** The chunks and chunk ids of documents (no hashing: a few ms for 10,000 chunks, where hashing costs 10-20 times more). */
export function layoutChunks(docs: SourceDocument[], writeId: number): ChunkLayout {
  const out: ChunkLayout = { ids: [], documents: [], owners: [], spans: [] };
  docs.forEach((doc, owner) => {
    const chunks = chunkText(doc.content);
    out.spans.push({ docId: doc.docId, start: out.ids.length, count: chunks.length });
    chunks.forEach((text, index) => {
      out.ids.push(chunkId(doc.docId, index, chunks.length, writeId));
      out.documents.push(text);
      out.owners.push(owner);
    });
  });
  return out;
}

/**
 * The metadata of record `i` of a layout, made when asked for (a new object each time). A document's version
 * hash is computed at the first of its records asked for, so a write hashes each operation's documents while
 * the session runs the operation before it, instead of all of them before the first.
 */
export function chunkMetadata(docs: SourceDocument[], layout: ChunkLayout, writeId: number, localChange = true): (i: number) => Metadata {
  const versions: Array<{ hash: string; own: Metadata } | undefined> = new Array(docs.length);
  return (i) => {
    const owner = layout.owners[i]!;
    const doc = docs[owner]!;
    // The version covers the document's metadata as well as its text (see hashing.ts). A key set to null is an
    // absent key (Chroma holds no null; the version hash leaves it out too).
    const version = (versions[owner] ??= { hash: documentHash(doc.content, doc.metadata), own: withoutNulls(doc.metadata) });
    const span = layout.spans[owner]!;
    // The same object as `{ ...own, source_id, ... }`, built in steps: that literal cost V8 ten times as much
    // (about 5 us a chunk), a tenth of a write's time on this thread.
    const metadata: Metadata = Object.assign({}, version.own);
    metadata['source_id'] = doc.docId;
    metadata['chunk_index'] = i - span.start;
    metadata['total_chunks'] = span.count;
    metadata['content_hash'] = version.hash;
    metadata['is_local_change'] = localChange;
    metadata['write_id'] = writeId;
    return metadata;
  };
}

/**
 * A record that overwrites one of the same id (a one-chunk document keeps its id) gets null for each key the
 * previous record had and the new version lacks: Chroma's upsert merges metadata keys, and deletes a key set to
 * null. Otherwise a key removed from a document's metadata would stay in Chroma.
 */
export function clearRemovedKeys(next: Metadata, previous: Metadata): void {
  for (const key of Object.keys(previous)) if (!(key in next)) next[key] = null;
}

function withoutNulls(metadata: Metadata | undefined): Metadata {
  const out: Metadata = {};
  if (metadata) for (const [key, value] of Object.entries(metadata)) if (value !== null && value !== undefined) out[key] = value;
  return out;
}

/** A chunk's metadata without the sync layer's keys: its document's own metadata. */
export function ownMetadata(meta: Metadata): Metadata {
  const own: Metadata = {};
  for (const [key, value] of Object.entries(meta)) if (!SYNC_KEY_SET.has(key)) own[key] = value;
  return own;
}

/** A document as read back from its chunks. */
export interface ChromaDocument {
  docId: string;
  /** The text joined from the chunks, or null when no version is complete (the document is damaged). */
  content: string | null;
  /**
   * The version hash of `content` and `metadata` as they are now (what the store must hold to be in sync); null
   * when no version is complete, or when its chunks disagree on the document's metadata (another tool edited
   * one chunk: which metadata is the document's cannot be said, so it is not staged until rewritten).
   */
  actualHash: string | null;
  /** The hash recorded in the chunk metadata when the library last wrote it. */
  recordedHash: string | null;
  flagged: boolean;
  metadata: Metadata;
  /** Whether a version is complete (all chunks present, with text when texts were read). */
  complete: boolean;
  /** Whether the version read is a record another tool wrote (no `source_id`). */
  foreign: boolean;
  /** The chunks of the version read (of the newest version when none is complete). */
  chunkIds: string[];
  /** Chunks of other versions: older ones a write has not removed yet, or an interrupted write's. */
  otherChunkIds: string[];
}

/** One chunk record as read from Chroma. */
export interface ChunkRecord {
  id: string;
  text: string | null;
  meta: Metadata;
}

/** A record placed in its version: its chunk index and the version's chunk count (1 for a foreign record). */
export interface Part {
  id: string;
  index: number;
  total: number;
  text: string | null;
  meta: Metadata;
}

/**
 * The document and version of a record: a foreign record (no `source_id`) is its own one-chunk document and
 * version, ranking below the library's chunks, which group by write, or by hash before write ids (write id 0).
 */
export function versionOf(id: string, meta: Metadata): { docId: string; key: string; writeId: number } {
  if (typeof meta['source_id'] !== 'string') return { docId: id, key: `foreign:${id}`, writeId: -1 };
  const writeId = typeof meta['write_id'] === 'number' ? meta['write_id'] : 0;
  return { docId: meta['source_id'], key: writeId > 0 ? `w:${writeId}` : `h:${String(meta['content_hash'] ?? '')}`, writeId };
}

export function partOf({ id, text, meta }: ChunkRecord): Part {
  const library = typeof meta['source_id'] === 'string';
  return {
    id,
    index: library && typeof meta['chunk_index'] === 'number' ? meta['chunk_index'] : 0,
    total: library && typeof meta['total_chunks'] === 'number' ? meta['total_chunks'] : 1,
    text,
    meta,
  };
}

/** Sorts a version's parts by index; whether they are all its chunks (with text when `withText`). */
export function isWhole(parts: Part[], withText: boolean): boolean {
  parts.sort((a, b) => a.index - b.index);
  return parts.length === parts[0]!.total && parts.every((part, i) => part.index === i && (!withText || part.text !== null));
}

/** Whether every chunk of a version carries the same metadata of the document's own (chunk 0's). */
export function partsAgree(parts: Array<{ meta: Metadata }>): boolean {
  if (parts.length < 2) return true;
  const first = canonicalMetadata(ownMetadata(parts[0]!.meta));
  for (let i = 1; i < parts.length; i++) if (canonicalMetadata(ownMetadata(parts[i]!.meta)) !== first) return false;
  return true;
}

interface Version {
  writeId: number;
  parts: Part[];
}

/** Records from the column form Chroma's `get` returns. */
export function recordsFromColumns(
  ids: string[],
  documents: Array<string | null> | null,
  metadatas: Array<Metadata | null> | null,
): ChunkRecord[] {
  return ids.map((id, i) => ({ id, text: documents?.[i] ?? null, meta: metadatas?.[i] ?? {} }));
}

/** The document a record belongs to: its `source_id`, or its own id for a record another tool wrote. */
export function ownerOf(record: ChunkRecord): string {
  return typeof record.meta['source_id'] === 'string' ? record.meta['source_id'] : record.id;
}

/** Whether a record carries the library's metadata (else it was written by another tool). */
export function isLibraryRecord(meta: Metadata | null | undefined): boolean {
  return typeof meta?.['source_id'] === 'string';
}

/**
 * Groups chunk records by `source_id` and version (records without the library's metadata count as one-chunk
 * documents named by their id). `withText` says whether texts were read (else content stays null).
 */
export function toDocuments(records: Iterable<ChunkRecord>, withText = true): Map<string, ChromaDocument> {
  const byDoc = new Map<string, Map<string, Version>>();
  for (const record of records) {
    const { docId, key, writeId } = versionOf(record.id, record.meta);
    let versions = byDoc.get(docId);
    if (!versions) byDoc.set(docId, (versions = new Map()));
    let version = versions.get(key);
    if (!version) versions.set(key, (version = { writeId, parts: [] }));
    version.parts.push(partOf(record));
  }
  const out = new Map<string, ChromaDocument>();
  for (const [docId, versions] of byDoc) out.set(docId, readDocument(docId, [...versions.values()], withText));
  return out;
}

function isComplete(version: Version, withText: boolean): boolean {
  return isWhole(version.parts, withText);
}

function readDocument(docId: string, versions: Version[], withText: boolean): ChromaDocument {
  // Newest first.
  versions.sort((a, b) => b.writeId - a.writeId);
  const chosen = versions.find((version) => isComplete(version, withText)) ?? null;
  const shown = chosen ?? versions[0]!;
  const content = withText && chosen ? joinChunks(chosen.parts.map((part) => part.text!)) : null;
  const first = shown.parts[0]!.meta;
  const metadata = ownMetadata(first);
  return {
    docId,
    content,
    actualHash: content === null || !partsAgree(shown.parts) ? null : documentHash(content, metadata),
    recordedHash: typeof first['content_hash'] === 'string' ? first['content_hash'] : null,
    flagged: shown.parts.some((part) => part.meta['is_local_change'] === true),
    complete: chosen !== null,
    foreign: shown.writeId < 0,
    metadata,
    chunkIds: shown.parts.map((part) => part.id),
    otherChunkIds: versions.filter((version) => version !== shown).flatMap((version) => version.parts.map((part) => part.id)),
  };
}
