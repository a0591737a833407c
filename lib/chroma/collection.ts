/**
 * A collection handle shaped like the npm `chromadb` client's: `add/get/query/upsert/update/delete/count/peek/
 * modify` with the same argument names, on the embedded and the remote session alike. Every method also takes
 * `CallOptions` (`timeoutMs`, `signal`) as a second argument.
 *
 * Embeddings for documents and query texts come from the collection's embedding function: a caller-side one
 * computes while the owner is still busy with earlier operations (see InOrder), a Python-side one runs in the
 * embedded session's Python process. The first time a function embeds for a collection, the collection records
 * the function's name and dimension in its metadata; a later handle with another function is a typed error.
 */
import { checkParams, checkRecords, checkSelection, checkTexts } from './validate-input.js';
import type { CallOptions } from '../executor/options.js';
import type { SessionExecutor } from '../executor/session-executor.js';
import type { ExistsCoalescer } from '../exists-coalescer.js';
import {
  EMBEDDING_DIMENSION_KEY,
  EMBEDDING_FUNCTION_KEY,
  embeddingMismatch,
  type ResolvedEmbedding,
} from './embedding.js';
import { ChromaError, chromaErrorHere } from './errors.js';
import { emptyGetResult } from './results.js';
import { forWrite, withPackedEmbeddings, type WriteEmbeddings } from './packed-embeddings.js';
import type { InOrder } from './in-order.js';
import type { ChromaSessionDefinition } from './ops.js';
import type { CollectionInfo, GetResult, Include, Metadata, QueryResult, Where, WhereDocument } from './types.js';

/** What a handle needs from the client that opened it. */
export interface CollectionContext {
  readonly executor: SessionExecutor<ChromaSessionDefinition>;
  readonly inOrder: InOrder;
  readonly coalesced: ExistsCoalescer;
  /**
   * The latest name and metadata seen of each collection, shared by all of this client's handles, so that one
   * handle's recording of the embedding function is seen by the others (this client is the collection's only
   * writer through this library).
   */
  readonly known: Map<string, CollectionInfo>;
}

export interface AddRecordsParams {
  ids: string | string[];
  /** Computed from `documents` by the collection's embedding function when left out. */
  embeddings?: number[][];
  documents?: string | string[];
  metadatas?: Metadata | Metadata[];
}

export interface GetParams {
  /** @default all records (paged by `limit`/`offset`) */
  ids?: string | string[];
  where?: Where;
  whereDocument?: WhereDocument;
  /** @default ['documents', 'metadatas'] */
  include?: Array<Exclude<Include, 'distances'>>;
  limit?: number;
  offset?: number;
}

export interface QueryParams {
  /** Query vectors; or give `queryTexts`, embedded by the collection's embedding function. */
  queryEmbeddings?: number[][];
  queryTexts?: string | string[];
  /** @default 10 */
  nResults?: number;
  where?: Where;
  whereDocument?: WhereDocument;
  /** Search only among these records (as chromadb's `query({ ids })`); ids that do not exist are ignored. @default all records */
  ids?: string | string[];
  /** @default ['documents', 'metadatas', 'distances'] */
  include?: Include[];
}

export interface DeleteParams {
  ids?: string | string[];
  where?: Where;
  whereDocument?: WhereDocument;
}

type WriteOp = 'add' | 'upsert' | 'update';
const list = <T>(value: T | T[] | undefined): T[] | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value : [value];

export class Collection {
  private currentName: string;
  /** A running dimension probe of a Python-side function, shared by the operations that wait for it. */
  private probing: Promise<number> | undefined;

  /** @internal opened by `Chroma.getCollection`, `createCollection` or `getOrCreateCollection` */
  constructor(
    private readonly context: CollectionContext,
    info: CollectionInfo,
    /** The function that embeds documents and query texts, or `null` (embeddings must be given). */
    readonly embeddingFunction: ResolvedEmbedding | null,
  ) {
    this.currentName = info.name;
    this.info = info; // fresh from the session: newer than anything known
  }

  private get info(): CollectionInfo {
    return this.context.known.get(this.currentName) ?? { name: this.currentName, metadata: null };
  }

  private set info(info: CollectionInfo) {
    if (info.name !== this.currentName) this.context.known.delete(this.currentName);
    this.currentName = info.name;
    this.context.known.set(info.name, info);
  }

  get name(): string {
    return this.info.name;
  }

  /** The collection's metadata as last seen by this handle (including the recorded embedding function). */
  get metadata(): Metadata | null {
    return this.info.metadata;
  }

  count(options?: CallOptions): Promise<number> {
    return this.context.inOrder.run(null, () => this.context.executor.call('count', this.info.name, options));
  }

  /** Adds records; ids that exist already are ignored by Chroma (use `upsert` to overwrite). */
  add(params: AddRecordsParams, options?: CallOptions): Promise<void> {
    return this.write('add', params, options);
  }

  upsert(params: AddRecordsParams, options?: CallOptions): Promise<void> {
    return this.write('upsert', params, options);
  }

  /** Updates existing records; metadata keys are merged; new `documents` are embedded again. */
  update(params: AddRecordsParams, options?: CallOptions): Promise<void> {
    return this.write('update', params, options);
  }

  async get(params: GetParams = {}, options?: CallOptions): Promise<GetResult> {
    checkParams(params);
    const ids = list(params.ids);
    checkSelection(this.info.name, { ids, where: params.where, limit: params.limit, offset: params.offset });
    if (ids?.length === 0) return Promise.resolve(emptyGetResult(params.include));
    const args = { ...params, ids, collection: this.info.name };
    return this.context.inOrder.run(null, () => this.context.executor.call('get', args, options));
  }

  /** The first `limit` records with their embeddings, documents and metadatas. */
  async peek(params: { limit?: number } = {}, options?: CallOptions): Promise<GetResult> {
    checkParams(params);
    return this.get({ limit: params.limit ?? 10, include: ['embeddings', 'documents', 'metadatas'] }, options);
  }

  /** Nearest records to each query, by `queryEmbeddings` or by `queryTexts`. */
  async query(params: QueryParams, options?: CallOptions): Promise<QueryResult> {
    checkParams(params ?? null);
    const { queryEmbeddings, queryTexts, ...rest } = params;
    const texts = list(queryTexts);
    const ids = list(params.ids);
    checkSelection(this.info.name, { ids, where: params.where, nResults: params.nResults });
    if (texts) checkTexts(texts, 'queryTexts');
    const args = { ...rest, ids, collection: this.info.name };
    const { executor, inOrder } = this.context;
    if (queryEmbeddings) return inOrder.run(null, () => executor.call('query', { ...args, embeddings: queryEmbeddings }, options));
    if (!texts) throw chromaErrorHere('invalid_argument', 'query needs queryEmbeddings or queryTexts');
    return this.withEmbeddings(texts, 'queryTexts', options, (embedding) =>
      executor.call('query', { ...args, texts, ...embedding }, options),
    );
  }

  async delete(params: DeleteParams = {}, options?: CallOptions): Promise<void> {
    checkParams(params);
    const ids = list(params.ids);
    checkSelection(this.info.name, { ids, where: params.where });
    if (ids?.length === 0) return Promise.resolve();
    const args = { ...params, ids, collection: this.info.name };
    return this.context.inOrder.run(null, () => this.context.executor.call('delete', args, options)).then(() => {});
  }

  /**
   * Renames the collection and/or replaces its metadata (as chromadb does). The recorded embedding function
   * is kept unless `metadata` sets those keys itself.
   */
  async modify(params: { name?: string; metadata?: Metadata }, options?: CallOptions): Promise<void> {
    checkParams(params ?? null);
    const metadata = params.metadata && { ...this.recordedKeys(), ...params.metadata };
    const before = this.info.name;
    const args = { collection: before, name: params.name, metadata };
    this.info = await this.context.inOrder.run(null, () => this.context.executor.call('modifyCollection', args, options));
    if (this.info.name !== before) this.context.coalesced.forget(before);
  }

  /** Whether one id exists. Calls made in the same tick share one bulk lookup per batch. */
  async exists(id: string): Promise<boolean> {
    checkSelection(this.info.name, { ids: [id] });
    return this.context.coalesced.exists(this.info.name, id);
  }

  private async write(op: WriteOp, params: AddRecordsParams, options: CallOptions | undefined): Promise<void> {
    checkParams(params ?? null);
    // Without ids nothing would be written, and the call would still resolve.
    if (params.ids === undefined) throw chromaErrorHere('invalid_argument', `${op} needs ids`);
    const ids = list(params.ids) ?? [];
    if (ids.length === 0) return;
    const records = { ids, embeddings: params.embeddings, documents: list(params.documents), metadatas: list(params.metadatas) };
    checkRecords(this.info.name, records);
    const { executor, inOrder } = this.context;
    const collection = this.info.name;
    const documents = records.documents;
    if (records.embeddings || !documents) {
      await inOrder.run(null, () => executor.call(op, { ...withPackedEmbeddings(records), collection }, options));
      return;
    }
    await this.withEmbeddings(documents, 'documents', options, (embedding) =>
      executor.call(op, { ...records, ...embedding, collection }, options),
    );
  }

  /**
   * Runs `operation` in call order with the embeddings of `texts`: computed on the caller's side while earlier
   * operations run (given as `embeddings`), or left to the Python-side function (given as its name).
   */
  private withEmbeddings<T>(
    texts: string[],
    what: 'documents' | 'queryTexts',
    options: CallOptions | undefined,
    operation: (embedding: Partial<WriteEmbeddings> & { embeddingFunction?: string }) => Promise<T>,
  ): Promise<T> {
    const ef = this.requireEmbedding(what);
    const prepare = ef.generate ? () => this.embed(ef, texts, what === 'queryTexts') : () => this.pythonDimension(ef, options);
    return this.context.inOrder.run(prepare, (prepared) =>
      this.afterRecording(prepared, () => operation(prepared.embeddings ?? { embeddingFunction: ef.python }), options),
    );
  }

  private requireEmbedding(what: string): ResolvedEmbedding {
    if (this.embeddingFunction) return this.embeddingFunction;
    throw chromaErrorHere(
      'invalid_argument',
      `collection "${this.info.name}" has no embedding function (embeddingFunction: null): pass embeddings along with ${what}`,
    );
  }

  /** Caller side: computes the vectors and checks them against what the collection recorded. */
  private async embed(ef: ResolvedEmbedding, texts: string[], forQueries: boolean): Promise<Prepared> {
    if (!forQueries && ef.generatePacked) {
      const packed = ef.generatePacked(texts);
      return { embeddings: { packedEmbeddings: packed }, record: this.checkDimension(ef, packed.dimension) };
    }
    let vectors: number[][];
    try {
      vectors = await ef.generate!(texts, forQueries);
    } catch (error) {
      if (error instanceof ChromaError) throw error;
      throw chromaErrorHere('embedding_unavailable', `the embedding function "${ef.name}" failed: ${(error as Error)?.message ?? String(error)}`, {
        embeddingFunction: ef.name,
      });
    }
    if (!Array.isArray(vectors) || vectors.length !== texts.length) {
      throw chromaErrorHere(
        'invalid_argument',
        `the embedding function "${ef.name}" returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${texts.length} texts`,
      );
    }
    return { embeddings: forQueries ? { embeddings: vectors } : forWrite(vectors), record: this.checkDimension(ef, vectors[0]?.length ?? 0) };
  }

  /** Python side: the dimension is learnt once per handle (this loads the model), then recorded. */
  private async pythonDimension(ef: ResolvedEmbedding, options: CallOptions | undefined): Promise<Prepared> {
    if (this.recordedDimension() !== undefined) return { record: null };
    this.probing ??= this.context.executor.call('embeddingDimension', ef.python!, options).finally(() => {
      this.probing = undefined;
    });
    const dimension = await this.probing;
    return { record: this.checkDimension(ef, dimension) };
  }

  /** Throws on a mismatch; returns the metadata to record when the collection has not recorded it yet. */
  private checkDimension(ef: ResolvedEmbedding, dimension: number): Metadata | null {
    const recorded = this.recordedDimension();
    if (recorded !== undefined) {
      if (recorded !== dimension) {
        throw embeddingMismatch(this.info.name, { name: this.recordedName() ?? ef.name, dimension: recorded }, { name: ef.name, dimension });
      }
      return null;
    }
    return { [EMBEDDING_FUNCTION_KEY]: ef.name, [EMBEDDING_DIMENSION_KEY]: dimension };
  }

  /**
   * Enqueues the recording of the embedding function (merged into the metadata) right before the operation,
   * both synchronously so nothing gets between them.
   */
  private afterRecording<T>(prepared: Prepared, operation: () => Promise<T>, options: CallOptions | undefined): Promise<T> {
    // An operation that will not run (aborted) records nothing either.
    if (!prepared.record || options?.signal?.aborted) return operation();
    const args = { collection: this.info.name, metadata: prepared.record, merge: true };
    const before = this.info;
    this.info = { ...before, metadata: { ...before.metadata, ...prepared.record } };
    const recording = this.context.executor.call('modifyCollection', args, { timeoutMs: options?.timeoutMs });
    recording.catch(() => {
      if (this.info.metadata?.[EMBEDDING_DIMENSION_KEY] === prepared.record![EMBEDDING_DIMENSION_KEY]) this.info = before;
    });
    return Promise.all([recording, operation()]).then(([, result]) => result);
  }

  private recordedName(): string | undefined {
    const value = this.info.metadata?.[EMBEDDING_FUNCTION_KEY];
    return typeof value === 'string' ? value : undefined;
  }

  private recordedDimension(): number | undefined {
    const value = this.info.metadata?.[EMBEDDING_DIMENSION_KEY];
    return typeof value === 'number' ? value : undefined;
  }

  private recordedKeys(): Metadata {
    const keys: Metadata = {};
    for (const key of [EMBEDDING_FUNCTION_KEY, EMBEDDING_DIMENSION_KEY]) {
      if (this.info.metadata?.[key] !== undefined) keys[key] = this.info.metadata[key]!;
    }
    return keys;
  }
}

interface Prepared {
  /** Caller-side vectors (packed for a write when they can be); absent for a Python-side function. */
  embeddings?: WriteEmbeddings;
  /** Metadata to merge into the collection's before the operation, or `null`. */
  record: Metadata | null;
}

/** Checks a collection's recorded embedding function against the one a handle is opened with. */
export function checkRecordedName(info: CollectionInfo, ef: ResolvedEmbedding | null): void {
  const recorded = info.metadata?.[EMBEDDING_FUNCTION_KEY];
  if (ef && typeof recorded === 'string' && recorded !== ef.name) {
    throw embeddingMismatch(info.name, { name: recorded, dimension: info.metadata?.[EMBEDDING_DIMENSION_KEY] ?? undefined }, { name: ef.name });
  }
}
