/**
 * The one contract every Chroma session satisfies: each operation's argument and result. The embedded
 * (Python) and the remote (HTTP) session declare their op tables as `ChromaOpTable<State>`, so a missing op or
 * a drifting type is a compile error in the session, and the main side types one executor for both.
 */
import type { OwnerContext, SessionDefinition, Transferred } from '../session.js';
import type { JsonReply } from './json-reply.js';
import type {
  CollectionInfo,
  CreateCollectionArgs,
  DeleteArgs,
  GetArgs,
  GetResult,
  ModifyCollectionArgs,
  QueryArgs,
  QueryResult,
  RecordsArgs,
  PageSummary,
  SummarizePageArgs,
} from './types.js';

/** Operation name -> `(argument) => result` of a Chroma session, without its state. */
export interface ChromaOps {
  maxBatchSize(arg: undefined): number;
  listCollections(arg: undefined): CollectionInfo[];
  createCollection(arg: CreateCollectionArgs): CollectionInfo;
  getOrCreateCollection(arg: CreateCollectionArgs): CollectionInfo;
  getCollection(arg: { name: string }): CollectionInfo;
  modifyCollection(arg: ModifyCollectionArgs): CollectionInfo;
  deleteCollection(name: string): null;
  count(collection: string): number;
  add(arg: RecordsArgs): number;
  upsert(arg: RecordsArgs): number;
  update(arg: RecordsArgs): number;
  get(arg: GetArgs): GetResult;
  existing(arg: { collection: string; ids: string[] }): string[];
  delete(arg: DeleteArgs): null;
  query(arg: QueryArgs): QueryResult;
  /**
   * One page of records summarised by document version where the data is (hashes computed by the session, so
   * texts of unchanged documents never cross to the caller); see {@link SummarizePageArgs}.
   */
  summarizePage(arg: SummarizePageArgs): PageSummary | JsonReply<PageSummary>;
  /**
   * The dimension of a Python-side embedding function's vectors, found by embedding one short text (this is
   * where its model is loaded). The remote session has none and fails with `ChromaEmbeddingUnavailableError`.
   */
  embeddingDimension(name: string): number;
  /** The Python process id (embedded), for tests and diagnostics; `undefined` on the remote session. */
  pid(arg: undefined): number | undefined;
}

/** An op's result as the session returns it: the value, or the value with buffers to transfer. */
type Result<R> = R | Transferred<R>;

/** A session's op table over its own state: what `ops` of a Chroma session definition must be. */
export type ChromaOpTable<State> = {
  [K in keyof ChromaOps]: (
    state: State,
    arg: Parameters<ChromaOps[K]>[0],
    context: OwnerContext,
  ) => Result<ReturnType<ChromaOps[K]>> | Promise<Result<ReturnType<ChromaOps[K]>>>;
};

/** What the main side knows of any Chroma session: the ops of the contract; state and options are its own. */
export type ChromaSessionDefinition<Options = any> = SessionDefinition<any, Options, ChromaOpTable<any>>;
