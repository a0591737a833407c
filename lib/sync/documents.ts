/**
 * Documents in Chroma: how one document becomes chunk records (ids, texts, metadata) and how chunk records read
 * back become documents again.
 */
import type { Metadata } from '../chroma/types.js';
import { chunkId, chunkText, joinChunks } from './chunking.js';
import { contentHash } from './hashing.js';

/** Metadata keys the sync layer owns on every chunk. */
export const SYNC_KEYS = ['source_id', 'chunk_index', 'total_chunks', 'content_hash', 'is_local_change'] as const;

export interface SourceDocument {
  docId: string;
  content: string;
  /** Scalar metadata kept on every chunk and in the version store. */
  metadata?: Metadata;
}

export interface ChunkRecords {
  ids: string[];
  documents: string[];
  metadatas: Metadata[];
}

/** The chunk records of documents written through the library: marked `is_local_change`. */
export function toChunkRecords(docs: SourceDocument[]): ChunkRecords {
  const out: ChunkRecords = { ids: [], documents: [], metadatas: [] };
  for (const doc of docs) {
    const chunks = chunkText(doc.content);
    const hash = contentHash(doc.content);
    chunks.forEach((text, index) => {
      out.ids.push(chunkId(doc.docId, index, chunks.length));
      out.documents.push(text);
      out.metadatas.push({
        ...doc.metadata,
        source_id: doc.docId,
        chunk_index: index,
        total_chunks: chunks.length,
        content_hash: hash,
        is_local_change: true,
      });
    });
  }
  return out;
}

/** A document as read back from its chunks. */
export interface ChromaDocument {
  docId: string;
  /** The text joined from the chunks, or null when chunks are missing (the document is damaged). */
  content: string | null;
  /** SHA-256 of `content` as it is now (what Dolt must hold to be in sync). */
  actualHash: string | null;
  /** The hash recorded in the chunk metadata when the library last wrote it. */
  recordedHash: string | null;
  flagged: boolean;
  metadata: Metadata;
  chunkIds: string[];
}

/** Groups chunk records by `source_id` (chunks written by other tools count as one-chunk documents). */
export function toDocuments(
  ids: string[],
  documents: Array<string | null> | null,
  metadatas: Array<Metadata | null> | null,
): Map<string, ChromaDocument> {
  const parts = new Map<string, Array<{ id: string; index: number; total: number; text: string | null; meta: Metadata }>>();
  ids.forEach((id, i) => {
    const meta = metadatas?.[i] ?? {};
    const source = typeof meta['source_id'] === 'string' ? meta['source_id'] : id;
    const index = typeof meta['chunk_index'] === 'number' ? meta['chunk_index'] : 0;
    const total = typeof meta['total_chunks'] === 'number' ? meta['total_chunks'] : 1;
    let list = parts.get(source);
    if (!list) parts.set(source, (list = []));
    list.push({ id, index, total, text: documents ? (documents[i] ?? null) : null, meta });
  });
  const out = new Map<string, ChromaDocument>();
  for (const [docId, list] of parts) {
    list.sort((a, b) => a.index - b.index);
    const complete = list.length === list[0]!.total && list.every((part, i) => part.index === i && part.text !== null);
    const content = documents && complete ? joinChunks(list.map((part) => part.text!)) : null;
    const first = list[0]!.meta;
    const metadata: Metadata = {};
    for (const [key, value] of Object.entries(first)) if (!(SYNC_KEYS as readonly string[]).includes(key)) metadata[key] = value;
    out.set(docId, {
      docId,
      content,
      actualHash: content === null ? null : contentHash(content),
      recordedHash: typeof first['content_hash'] === 'string' ? first['content_hash'] : null,
      flagged: list.some((part) => part.meta['is_local_change'] === true),
      metadata,
      chunkIds: list.map((part) => part.id),
    });
  }
  return out;
}
