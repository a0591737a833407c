/** Operation arguments and results shared by the embedded and the remote Chroma sessions. */

/** Chroma metadata values are scalars (no nested objects). */
export type Metadata = Record<string, string | number | boolean | null>;
export type Where = Record<string, unknown>;
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

export interface RecordsArgs {
  collection: string;
  ids: string[];
  embeddings?: number[][];
  documents?: string[];
  metadatas?: Metadata[];
}

export interface GetArgs {
  collection: string;
  ids?: string[];
  where?: Where;
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
}

export interface DeleteArgs {
  collection: string;
  ids?: string[];
  where?: Where;
}

export interface QueryArgs {
  collection: string;
  embeddings: number[][];
  /** @default 10 */
  nResults?: number;
  where?: Where;
  /** @default ['documents', 'metadatas', 'distances'] */
  include?: Include[];
}

export interface QueryResult {
  ids: string[][];
  documents: Array<Array<string | null>> | null;
  metadatas: Array<Array<Metadata | null>> | null;
  distances: number[][] | null;
  embeddings: number[][][] | null;
}
