/**
 * The main-thread face of a Chroma session, embedded (Python) or remote (HTTP), shaped like the npm `chromadb`
 * client: `getCollection`, `createCollection` and `getOrCreateCollection` return a {@link Collection} handle
 * with chromadb's methods and argument names. Operations run in call order in the session's owner thread.
 */
import { argError, checkFactoryToken, describeValue, FACTORY_TOKEN } from '../check-args.js';
import { ExistsCoalescer } from '../exists-coalescer.js';
import { acquirePathLock, lockErrorFromOpen } from '../path-lock.js';
import { withOwnerHeapDefaults } from '../owner-heap.js';
import { checkPathOption } from '../path-option.js';
import { checkEmbeddedOptions, checkOptionKeys, checkRemoteOptions, EMBEDDED_KEYS, REMOTE_KEYS } from './check-options.js';
import { SessionExecutor } from '../executor/session-executor.js';
import type { CallOptions, CloseOptions, ExecutorOptions } from '../executor/options.js';
import { requirePeer } from '../optional-peer.js';
import { sessionSpec } from '../session.js';
import { chromaErrorHere } from './errors.js'; // importing it also registers the typed Chroma errors for this thread
import { checkRecordedName, Collection, type CollectionContext } from './collection.js';
import {
  EMBEDDING_FUNCTION_KEY,
  resolveEmbedding,
  type EmbeddingFunctionSpec,
  type ResolvedEmbedding,
  type SessionKind,
} from './embedding.js';
import { hashEmbedder, type Embedder } from './hash-embedder.js';
import { InOrder } from './in-order.js';
import { forWrite, withPackedEmbeddings } from './packed-embeddings.js';
import { checkCollection, checkMetadata, checkParams, checkRecords, checkSelection, checkTexts, checkWithTexts } from './validate-input.js';
import type { ChromaSessionDefinition } from './ops.js';
import type PythonChromaSession from './python-session.js';
import type { PythonChromaOptions } from './python-session.js';
import type HttpChromaSession from './http-session.js';
import type { HttpChromaOptions } from './http-session.js';
import { emptyGetResult } from './results.js';
import { expandRows } from './summary-rows.js';
import { readReply } from './json-reply.js';
import type {
  CollectionInfo,
  DeleteArgs,
  GetArgs,
  GetResult,
  Metadata,
  PageSummary,
  QueryArgs,
  QueryResult,
  RecordsArgs,
  SummarizePageArgs,
} from './types.js';

export type { ChromaSessionDefinition } from './ops.js';

/**
 * How many operations the embedded session's owner hands to the Python host at once, unless the executor options
 * say otherwise. The host still runs them one at a time, in order (it reads the next request only when it has
 * answered the current one), so this changes nothing of what runs when; but the next request is encoded and
 * waiting in the pipe while chromadb works, instead of being encoded and sent only after the reply came back
 * (for a write of 4,500 chunks, 50-60 ms of JSON and pipe traffic per operation during which Chroma was idle).
 * Safe because every operation of the session sends its one request as it starts (python-session.ts).
 */
export const EMBEDDED_PIPELINE_DEPTH = 2;

export interface ChromaOptions {
  /**
   * The embedding function of collections opened without one: an npm `chromadb` `EmbeddingFunction` object
   * (runs on the caller's side), `'hash'` (offline, not semantic), `'default'`, a Python-side chromadb name
   * (embedded session), or `null` (records always come with embeddings).
   * @default 'default': chromadb's default, all-MiniLM-L6-v2; a typed error when its model cannot be loaded
   */
  embeddingFunction?: EmbeddingFunctionSpec;
  /**
   * @deprecated Use `embeddingFunction`. Embeds documents for the name-first methods (`chroma.add(name, ...)`)
   * only; without it they use `embeddingFunction` when one is given.
   * @default hashEmbedder(64), deterministic and not semantic (for the name-first methods only)
   */
  embedder?: Embedder;
  /**
   * Options of the executor that owns the session.
   * @default the executor's defaults, except `concurrency: 2` for the embedded session (the next request waits in
   * the Python host's input while it runs the current one; it still runs them one at a time, in order)
   */
  executor?: ExecutorOptions;
}

export interface CollectionParams {
  name: string;
  /** This collection's embedding function; see {@link ChromaOptions.embeddingFunction}. @default the client's */
  embeddingFunction?: EmbeddingFunctionSpec;
}

export interface CreateCollectionParams extends CollectionParams {
  /** Scalar values only. @default none */
  metadata?: Metadata;
  /** Deleted when the session closes (tests mark their collections so). @default false */
  temporary?: boolean;
}

/** Records to write; `embeddings` may be left out when `documents` are given (the embedder computes them). */
export type WriteRecords = Omit<RecordsArgs, 'collection' | 'embeddingFunction' | 'packedEmbeddings'>;

interface OverOptions extends Pick<ChromaOptions, 'embedder' | 'embeddingFunction'> {
  /** Which session the executor runs; decides where named embedding functions run. @default 'embedded' */
  session?: SessionKind;
}

export class Chroma {
  /**
   * Starts an owner thread hosting a Python chromadb PersistentClient on `path`. One client per directory:
   * a second one (in this process or another) fails at once with `ChromaLockedError` until this one is closed.
   */
  static async embedded(options: PythonChromaOptions & ChromaOptions): Promise<Chroma> {
    checkOptionKeys('Chroma.embedded', options, EMBEDDED_KEYS);
    checkPathOption('Chroma.embedded', (options as Partial<PythonChromaOptions> | undefined)?.path, false);
    const { embedder, embeddingFunction, executor, ...open } = options;
    checkEmbeddedOptions(open as unknown as Record<string, unknown>);
    const lock = acquirePathLock(open.path, 'chroma');
    try {
      const spec = sessionSpec<typeof PythonChromaSession>(new URL('./python-session.js', import.meta.url), open);
      // Defaults only into options that are an object (or none): anything else reaches the executor's own checks as given.
      const pipelined = executor === undefined || (typeof executor === 'object' && executor !== null) ? { ...executor, concurrency: executor?.concurrency ?? EMBEDDED_PIPELINE_DEPTH } : executor;
      const started = await SessionExecutor.start(spec, withOwnerHeapDefaults(pipelined));
      const chroma = await Chroma.over(started, { embedder, embeddingFunction, session: 'embedded' });
      chroma.releasePath = lock.release;
      return chroma;
    } catch (error) {
      lock.release();
      throw lockErrorFromOpen(error) ?? error;
    }
  }

  /**
   * Starts an owner thread hosting the npm `chromadb` client against a Chroma server. Same operations, types
   * and errors as {@link Chroma.embedded}.
   */
  static async remote(options: HttpChromaOptions & ChromaOptions = {}): Promise<Chroma> {
    checkOptionKeys('Chroma.remote', options, REMOTE_KEYS);
    const { embedder, embeddingFunction, executor, ...open } = options ?? {};
    checkRemoteOptions(open as Record<string, unknown>);
    requirePeer('chromadb', 'Chroma.remote');
    const spec = sessionSpec<typeof HttpChromaSession>(new URL('./http-session.js', import.meta.url), open);
    return Chroma.over(await SessionExecutor.start(spec, executor), { embedder, embeddingFunction, session: 'remote' });
  }

  /** Wraps an executor already running a Chroma session. */
  static async over(executor: SessionExecutor<ChromaSessionDefinition>, options: OverOptions = {}): Promise<Chroma> {
    const usable = typeof executor === 'object' && executor !== null && typeof executor.call === 'function' && typeof executor.close === 'function';
    if (!usable) {
      throw argError(`Chroma.over: executor must be a SessionExecutor running a Chroma session, got ${describeValue(executor)}`, 'ERR_INVALID_ARG_TYPE');
    }
    try {
      return new Chroma(executor, options, await executor.call('maxBatchSize', undefined), FACTORY_TOKEN);
    } catch (error) {
      await executor.close(); // an unusable option must not leave an owner thread behind
      throw error;
    }
  }

  private readonly context: CollectionContext;
  private readonly legacyEmbedding: ResolvedEmbedding;
  private readonly session: SessionKind;
  private readonly defaultEmbedding: EmbeddingFunctionSpec | undefined;
  /** Releases the embedded directory's path lock once the session is closed. */
  private releasePath?: () => void;

  private constructor(
    /** The executor owning the session: its `stats()`, events and `call()` are available as is. */
    readonly executor: SessionExecutor<ChromaSessionDefinition>,
    options: OverOptions,
    /** The most records the server takes in one call; larger inputs are split by the session. */
    readonly maxBatchSize: number,
    token?: typeof FACTORY_TOKEN,
  ) {
    checkFactoryToken(token, 'Chroma', 'Chroma.embedded(), Chroma.remote() or Chroma.over()');
    this.session = options.session ?? 'embedded';
    this.defaultEmbedding = options.embeddingFunction;
    // The name-first methods always embed documents given without embeddings, as they always did.
    this.legacyEmbedding =
      resolveEmbedding(options.embedder ?? options.embeddingFunction ?? hashEmbedder(), this.session) ??
      resolveEmbedding(hashEmbedder(), this.session)!;
    const inOrder = new InOrder();
    const coalesced = new ExistsCoalescer((collection, ids) => this.existing(collection, ids), maxBatchSize);
    this.context = { executor, inOrder, coalesced, known: new Map() };
  }

  listCollections(options?: CallOptions): Promise<CollectionInfo[]> {
    return this.executor.call('listCollections', undefined, options);
  }

  /** A handle on an existing collection; `CollectionNotFoundError` if there is none. */
  async getCollection(params: CollectionParams, options?: CallOptions): Promise<Collection> {
    checkParams(params ?? null);
    checkCollection(params.name);
    const ef = this.embeddingFor(params);
    const info = await this.submit(() => this.executor.call('getCollection', { name: params.name }, options));
    return this.handle(info, ef);
  }

  /** Creates a collection (`CollectionExistsError` if the name is taken) and returns its handle. */
  createCollection(params: CreateCollectionParams, options?: CallOptions): Promise<Collection> {
    return this.openCollection('createCollection', params, options);
  }

  /** The collection's handle, creating the collection first if there is none. */
  getOrCreateCollection(params: CreateCollectionParams, options?: CallOptions): Promise<Collection> {
    return this.openCollection('getOrCreateCollection', params, options);
  }

  /** Both ways of opening a collection by creation: same checks, same recorded embedding function. */
  private async openCollection(
    op: 'createCollection' | 'getOrCreateCollection',
    params: CreateCollectionParams,
    options?: CallOptions,
  ): Promise<Collection> {
    checkParams(params ?? null);
    checkCollection(params.name);
    checkMetadata(params.metadata, 'metadata');
    const ef = this.embeddingFor(params);
    const args = { name: params.name, metadata: this.withName(params, ef), temporary: params.temporary };
    return this.handle(await this.submit(() => this.executor.call(op, args, options)), ef);
  }

  /** Deletes a collection (by name, or `{ name }` as chromadb takes it). */
  async deleteCollection(name: string | { name: string }, options?: CallOptions): Promise<void> {
    if (typeof name !== 'string') checkParams(name ?? null, 'the collection');
    const collection = typeof name === 'string' ? name : name.name;
    checkCollection(collection);
    this.context.coalesced.forget(collection);
    this.context.known.delete(collection);
    await this.submit(() => this.executor.call('deleteCollection', collection, options));
  }

  /** Closes the session (temporary collections are deleted) and ends its owner thread. */
  async close(options?: CloseOptions): Promise<void> {
    try {
      await this.executor.close(options);
    } finally {
      this.releasePath?.();
    }
  }

  private embeddingFor(params: CollectionParams): ResolvedEmbedding | null {
    const spec = params.embeddingFunction !== undefined ? params.embeddingFunction : (this.defaultEmbedding ?? 'default');
    return resolveEmbedding(spec, this.session);
  }

  /**
   * A new collection records its embedding function's name when one was chosen (chromadb's implicit default
   * is recorded, with its dimension, when it first embeds).
   */
  private withName(params: CreateCollectionParams, ef: ResolvedEmbedding | null): Metadata | undefined {
    const chosen = params.embeddingFunction !== undefined || this.defaultEmbedding !== undefined;
    if (!ef || !chosen || params.metadata?.[EMBEDDING_FUNCTION_KEY] !== undefined) return params.metadata;
    return { ...params.metadata, [EMBEDDING_FUNCTION_KEY]: ef.name };
  }

  private handle(info: CollectionInfo, ef: ResolvedEmbedding | null): Collection {
    checkRecordedName(info, ef);
    return new Collection(this.context, info, ef);
  }

  private submit<T>(operation: () => Promise<T>): Promise<T> {
    return this.context.inOrder.run(null, operation);
  }

  // ---- Name-first methods: what the synchronisation layer and the CLI use. Prefer collection handles. ----

  /** @deprecated Use a collection handle's `count()`. */
  async count(collection: string, options?: CallOptions): Promise<number> {
    checkCollection(collection);
    return this.submit(() => this.executor.call('count', collection, options));
  }

  /** @deprecated Use a collection handle's `add()`. Ids that exist already are ignored by Chroma. */
  add(collection: string, records: WriteRecords, options?: CallOptions): Promise<number> {
    return this.write('add', collection, records, options);
  }

  /** @deprecated Use a collection handle's `upsert()`. */
  upsert(collection: string, records: WriteRecords, options?: CallOptions): Promise<number> {
    return this.write('upsert', collection, records, options);
  }

  /** @deprecated Use a collection handle's `update()`. Metadata keys are merged into the stored metadata. */
  update(collection: string, records: WriteRecords, options?: CallOptions): Promise<number> {
    return this.write('update', collection, records, options);
  }

  /** @deprecated Use a collection handle's `get()`. */
  async get(collection: string, args: Omit<GetArgs, 'collection'> = {}, options?: CallOptions): Promise<GetResult> {
    checkSelection(collection, args);
    if (args.ids?.length === 0) return Promise.resolve(emptyGetResult(args.include));
    return this.submit(() => this.executor.call('get', { ...args, collection }, options));
  }

  /**
   * One page of records summarised by document version in the session (the sync layer's detection): hashes
   * are computed where the data is, so texts of unchanged documents never cross to this thread.
   */
  async summarizePage(collection: string, args: Omit<SummarizePageArgs, 'collection'>, options?: CallOptions): Promise<PageSummary> {
    checkSelection(collection, args);
    checkWithTexts(args.withTexts);
    return this.submit(async () => expandRows(readReply(await this.executor.call('summarizePage', { ...args, collection }, options))));
  }

  /** Which of `ids` exist, in one operation (split by the session when larger than the batch size). */
  async existing(collection: string, ids: string[], options?: CallOptions): Promise<Set<string>> {
    checkSelection(collection, { ids });
    checkTexts(ids, 'ids'); // required here: `null` is not "no ids"
    if (ids.length === 0) return new Set();
    return new Set(await this.submit(() => this.executor.call('existing', { collection, ids }, options)));
  }

  /** @deprecated Use a collection handle's `exists()`. Calls in the same tick share one `existing` operation. */
  async exists(collection: string, id: string): Promise<boolean> {
    checkSelection(collection, { ids: [id] }); // one bad id must not fail the batch it would share
    return this.context.coalesced.exists(collection, id);
  }

  /** @deprecated Use a collection handle's `delete()`. */
  async delete(collection: string, args: Omit<DeleteArgs, 'collection'>, options?: CallOptions): Promise<void> {
    checkSelection(collection, args);
    if (args.ids?.length === 0) return;
    await this.submit(() => this.executor.call('delete', { ...args, collection }, options));
  }

  /** @deprecated Use a collection handle's `query()`. Embeds `texts` as the name-first writes do. */
  async query(
    collection: string,
    args: Omit<QueryArgs, 'collection' | 'texts' | 'embeddingFunction'> & { texts?: string[] },
    options?: CallOptions,
  ): Promise<QueryResult> {
    checkSelection(collection, args);
    if (args.texts !== undefined) checkTexts(args.texts, 'texts');
    const { texts, ...rest } = args;
    if (!rest.embeddings && !texts) throw chromaErrorHere('invalid_argument', 'query needs embeddings or texts');
    const ef = this.legacyEmbedding;
    if (!rest.embeddings && ef.python) {
      return this.submit(() => this.executor.call('query', { ...rest, texts, embeddingFunction: ef.python, collection }, options));
    }
    if (rest.embeddings) return this.submit(() => this.executor.call('query', { ...rest, collection }, options));
    return this.context.inOrder.run(
      () => ef.generate!(texts!, true),
      (embeddings) => this.executor.call('query', { ...rest, embeddings, collection }, options),
    );
  }

  private async write(op: 'add' | 'upsert' | 'update', collection: string, records: WriteRecords, options?: CallOptions): Promise<number> {
    checkRecords(collection, records);
    if (records.ids.length === 0) return Promise.resolve(0);
    const documents = records.embeddings ? undefined : records.documents;
    const ef = this.legacyEmbedding;
    if (documents && ef.python) {
      return this.submit(() => this.executor.call(op, { ...records, embeddingFunction: ef.python, collection }, options));
    }
    if (!documents) return this.submit(() => this.executor.call(op, { ...withPackedEmbeddings(records), collection }, options));
    return this.context.inOrder.run(
      async () => (ef.generatePacked ? { packedEmbeddings: ef.generatePacked(documents) } : forWrite(await ef.generate!(documents, false))),
      (embeddings) => this.executor.call(op, { ...records, ...embeddings, collection }, options),
    );
  }
}
