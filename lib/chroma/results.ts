/** What get and query include by default, and the results of selections that can match no record. */
import type { GetResult, Include, QueryResult } from './types.js';

export type GetInclude = Array<Exclude<Include, 'distances'>>;

/** As chromadb: documents and metadatas. */
export const DEFAULT_GET_INCLUDE: GetInclude = ['documents', 'metadatas'];
/** As chromadb: documents, metadatas and distances. */
export const DEFAULT_QUERY_INCLUDE: Include[] = ['documents', 'metadatas', 'distances'];

/** A get that matched nothing: included fields are empty lists, the others `null`. */
export function emptyGetResult(include: GetInclude = DEFAULT_GET_INCLUDE): GetResult {
  const field = (name: Include): [] | null => (include.includes(name as never) ? [] : null);
  return { ids: [], embeddings: field('embeddings'), documents: field('documents'), metadatas: field('metadatas'), include };
}

/** A query whose `ids` filter matches no record: one empty row per query in every included field. */
export function emptyQueryResult(queries: number, include: Include[] = DEFAULT_QUERY_INCLUDE): QueryResult {
  const rows = (name: Include): never => (include.includes(name) ? Array.from({ length: queries }, () => []) : null) as never;
  return {
    ids: Array.from({ length: queries }, () => []),
    documents: rows('documents'),
    metadatas: rows('metadatas'),
    distances: rows('distances'),
    embeddings: rows('embeddings'),
    include,
  };
}
