/** Operation arguments and results shared by the embedded and the remote Chroma sessions. */
import type { PackedEmbeddings } from './packed-embeddings.js';

/** Chroma metadata values are scalars (no nested objects). */
export type Metadata = Record<string, string | number | boolean | null>;
/** A metadata filter, as in chromadb: `{ field: value }`, `{ field: { $gt: 1 } }`, `{ $and: [...] }`. */
export type Where = Record<string, unknown>;
/** A document-text filter, as in chromadb: `{ $contains: 'text' }`, `{ $not_contains: ... }`, `{ $or: [...] }`. */
export type WhereDocument = Record<string, unknown>;
export type Include = 'documents' | 'metadatas' | 'embeddings' | 'distances';

export interface CollectionInfo {
  name: string;
  metadata: Metadata | null;
}

export interface CreateCollectionArgs {
  /** 3-512 characters of [a-zA-Z0-9._-], starting and ending with a letter or digit. */
  name: string;
  /** Scalar values only. @default none */
  metadata?: Metadata;
  /** Deleted when the session closes (tests mark their collections so). @default false */
  temporary?: boolean;
}

export interface ModifyCollectionArgs {
  collection: string;
  /** A new name for the collection. @default unchanged */
  name?: string;
  /** New metadata: replaces the stored metadata, or is merged into it with `merge`. @default unchanged */
  metadata?: Metadata;
  /** Merge `metadata` into the stored metadata instead of replacing it. @default false */
  merge?: boolean;
}

export interface RecordsArgs {
  collection: string;
  ids: string[];
  embeddings?: number[][];
  /**
   * The same vectors packed (the façade packs `embeddings` into this before they cross to the session; see
   * packed-embeddings.ts). A session reads it when `embeddings` is absent. @default none
   */
  packedEmbeddings?: PackedEmbeddings;
  documents?: string[];
  metadatas?: Metadata[];
  /**
   * Embedded session only: the Python-side embedding function (by name) that embeds `documents` given without
   * `embeddings`. @default none: documents are stored as given, embeddings must be passed
   */
  embeddingFunction?: string;
}

export interface GetArgs {
  collection: string;
  ids?: string[];
  where?: Where;
  whereDocument?: WhereDocument;
  /** @default ['documents', 'metadatas'] */
  include?: Array<Exclude<Include, 'distances'>>;
  limit?: number;
  offset?: number;
}

export interface GetResult {
  ids: string[];
  embeddings: number[][] | null;
  documents: Array<string | null> | null;
  metadatas: Array<Metadata | null> | null;
  /** The fields included (as requested, or the default), as the npm `chromadb` client's results carry. */
  include: Array<Exclude<Include, 'distances'>>;
}

export interface DeleteArgs {
  collection: string;
  ids?: string[];
  where?: Where;
  whereDocument?: WhereDocument;
}

export interface QueryArgs {
  collection: string;
  /** The query vectors; or `texts` with a Python-side `embeddingFunction` (embedded session only). */
  embeddings?: number[][];
  texts?: string[];
  /** Search only among these records; ids that do not exist are ignored. @default all records */
  ids?: string[];
  /** Embedded session only: the Python-side embedding function (by name) that embeds `texts`. */
  embeddingFunction?: string;
  /** @default 10 */
  nResults?: number;
  where?: Where;
  whereDocument?: WhereDocument;
  /** @default ['documents', 'metadatas', 'distances'] */
  include?: Include[];
}

export interface QueryResult {
  ids: string[][];
  documents: Array<Array<string | null>> | null;
  metadatas: Array<Array<Metadata | null>> | null;
  distances: number[][] | null;
  embeddings: number[][][] | null;
  /** The fields included (as requested, or the default), as the npm `chromadb` client's results carry. */
  include: Include[];
}

/**
 * One page of a collection summarised where the data is (the sync layer's detection): chunks grouped by
 * document (`source_id`; a record without it is a one-chunk document named by its id) and version (`write_id`,
 * or `content_hash` for chunks written before write ids).
 */
export interface SummarizePageArgs {
  collection: string;
  /** Records to skip, as in `get`. */
  offset: number;
  /** Records in the page (one more is read to learn whether another page follows). */
  limit: number;
  /** Only records matching this metadata filter. @default all records */
  where?: Where;
  /**
   * Read the texts and hash each complete version's joined text. Without it only metadata is read and
   * `hash`/`bytes` are absent.
   * @default true
   */
  withHashes?: boolean;
  /**
   * With `withHashes`, also return complete versions' joined texts and first chunks' metadata (`text`,
   * `meta`), so a stage takes the texts it commits from its one page scan: `true` for every version;
   * `{ floor }` for the versions that may differ from what the last stage committed: a chunk flagged `is_local_change` whose `write_id` or `late_write` is at least
   * `floor` (every flagged chunk when `floor` is null), or a hash other than the recorded `content_hash`.
   * @default false
   */
  withTexts?: boolean | TextsOfUnstaged;
  /** Code points each chunk after the first repeats from the one before (dropped when joining). */
  overlap: number;
}

/** Which versions a page summary carries texts of: those that may be unstaged under this stage floor. */
export interface TextsOfUnstaged {
  floor: number | null;
}

/** A version complete within the page: all its chunks (indexes 0..chunks-1) were in it. */
export interface VersionSummary {
  docId: string;
  /** The version: `w:<write_id>`, `h:<content_hash>` (before write ids) or `foreign:<id>`. */
  key: string;
  /** Its write id (0 before write ids, -1 for a record another tool wrote). */
  writeId: number;
  /** The `content_hash` its first chunk records, or null. */
  recordedHash: string | null;
  /** Whether any of its chunks is marked `is_local_change`. */
  flagged: boolean;
  chunks: number;
  /**
   * The version hash of the joined text and the document's own metadata (lib/sync/hashing.ts), with
   * `withHashes`; null when the chunks disagree on that metadata (which is the document's cannot be said).
   */
  hash?: string | null;
  /** UTF-8 bytes of the joined text (with `withHashes`). */
  bytes?: number;
  /** The joined text (with `withTexts`). */
  text?: string;
  /** The first chunk's metadata (with `withTexts`). */
  meta?: Metadata;
}

export interface PageSummary {
  /** Records the page held (at most `limit`). */
  records: number;
  /** Whether records follow this page. */
  more: boolean;
  versions: VersionSummary[];
  /** The raw records of versions not complete within the page (they may straddle a page boundary). */
  partial: Array<{ id: string; text: string | null; meta: Metadata }>;
}
