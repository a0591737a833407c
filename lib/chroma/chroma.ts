/**
 * The main-thread face of a Chroma session, embedded (Python) or remote (HTTP): typed methods over the
 * executor, embeddings from a pluggable embedder when the caller gives none, coalesced `exists()`, and no
 * round trip at all for empty inputs.
 */
import { ExistsCoalescer } from '../exists-coalescer.js';
import { SessionExecutor } from '../executor/session-executor.js';
import type { CallOptions, CloseOptions, ExecutorOptions } from '../executor/options.js';
import { requirePeer } from '../optional-peer.js';
import { sessionSpec } from '../session.js';
import './errors.js'; // registers the typed Chroma errors for this thread
import { hashEmbedder, type Embedder } from './hash-embedder.js';
import { checkCollection, checkMetadata, checkRecords, checkSelection, checkTexts } from './validate-input.js';
import type PythonChromaSession from './python-session.js';
import type { PythonChromaOptions } from './python-session.js';
import type HttpChromaSession from './http-session.js';
import type { HttpChromaOptions } from './http-session.js';
import type {
  CollectionInfo,
  CreateCollectionArgs,
  DeleteArgs,
  GetArgs,
  GetResult,
  QueryArgs,
  QueryResult,
  RecordsArgs,
} from './types.js';

/** Both Chroma sessions define these operations with these types. */
export type ChromaSessionDefinition = typeof PythonChromaSession;

export interface ChromaOptions {
  /**
   * Computes embeddings for documents added or queried without explicit embeddings.
   * @default hashEmbedder(64), deterministic and not semantic
   */
  embedder?: Embedder;
  /** Options of the executor that owns the session. @default the executor's defaults */
  executor?: ExecutorOptions;
}

/** Records to write; `embeddings` may be left out when `documents` are given (the embedder computes them). */
export type WriteRecords = Omit<RecordsArgs, 'collection'>;

export class Chroma {
  /** Starts an owner thread hosting a Python chromadb PersistentClient on `path`. */
  static async embedded(options: PythonChromaOptions & ChromaOptions): Promise<Chroma> {
    const { embedder, executor, ...open } = options;
    const spec = sessionSpec<ChromaSessionDefinition>(new URL('./python-session.js', import.meta.url), open);
    return Chroma.over(await SessionExecutor.start(spec, executor), embedder);
  }

  /**
   * Starts an owner thread hosting the npm `chromadb` client against a Chroma server. Same operations, types
   * and errors as {@link Chroma.embedded}.
   */
  static async remote(options: HttpChromaOptions & ChromaOptions): Promise<Chroma> {
    requirePeer('chromadb', 'Chroma.remote');
    const { embedder, executor, ...open } = options;
    const spec = sessionSpec<typeof HttpChromaSession>(new URL('./http-session.js', import.meta.url), open);
    const started = await SessionExecutor.start(spec, executor);
    // Both sessions define the same operations with the same types (the remote one ignores test-only ones).
    return Chroma.over(started as unknown as SessionExecutor<ChromaSessionDefinition>, embedder);
  }

  /** Wraps an executor already running a Chroma session. */
  static async over(executor: SessionExecutor<ChromaSessionDefinition>, embedder?: Embedder): Promise<Chroma> {
    return new Chroma(executor, embedder ?? hashEmbedder(), await executor.call('maxBatchSize', undefined));
  }

  private readonly coalesced: ExistsCoalescer;

  private constructor(
    /** The executor owning the session: its `stats()`, events and `call()` are available as is. */
    readonly executor: SessionExecutor<ChromaSessionDefinition>,
    private readonly embedder: Embedder,
    /** The most records the server takes in one call; larger inputs are split by the session. */
    readonly maxBatchSize: number,
  ) {
    this.coalesced = new ExistsCoalescer((collection, ids) => this.existing(collection, ids), maxBatchSize);
  }

  listCollections(options?: CallOptions): Promise<CollectionInfo[]> {
    return this.executor.call('listCollections', undefined, options);
  }

  async createCollection(args: CreateCollectionArgs, options?: CallOptions): Promise<CollectionInfo> {
    checkCollection(args?.name);
    checkMetadata(args.metadata, 'metadata');
    return this.executor.call('createCollection', args, options);
  }

  async getOrCreateCollection(args: CreateCollectionArgs, options?: CallOptions): Promise<CollectionInfo> {
    checkCollection(args?.name);
    checkMetadata(args.metadata, 'metadata');
    return this.executor.call('getOrCreateCollection', args, options);
  }

  async deleteCollection(name: string, options?: CallOptions): Promise<void> {
    checkCollection(name);
    this.coalesced.forget(name);
    await this.executor.call('deleteCollection', name, options);
  }

  async count(collection: string, options?: CallOptions): Promise<number> {
    checkCollection(collection);
    return this.executor.call('count', collection, options);
  }

  /** Adds records; ids that exist already are ignored by Chroma (use `upsert` to overwrite). */
  add(collection: string, records: WriteRecords, options?: CallOptions): Promise<number> {
    return this.write('add', collection, records, options);
  }

  upsert(collection: string, records: WriteRecords, options?: CallOptions): Promise<number> {
    return this.write('upsert', collection, records, options);
  }

  /** Updates existing records; metadata keys are merged into the stored metadata. */
  update(collection: string, records: WriteRecords, options?: CallOptions): Promise<number> {
    return this.write('update', collection, records, options);
  }

  async get(collection: string, args: Omit<GetArgs, 'collection'> = {}, options?: CallOptions): Promise<GetResult> {
    checkSelection(collection, args);
    if (args.ids?.length === 0) return { ids: [], embeddings: null, documents: null, metadatas: null };
    return this.executor.call('get', { ...args, collection }, options);
  }

  /** Which of `ids` exist, in one operation (split by the session when larger than the batch size). */
  async existing(collection: string, ids: string[], options?: CallOptions): Promise<Set<string>> {
    checkSelection(collection, { ids });
    if (ids.length === 0) return new Set();
    return new Set(await this.executor.call('existing', { collection, ids }, options));
  }

  /** Whether one id exists. Calls made in the same tick share one `existing` operation per batch. */
  exists(collection: string, id: string): Promise<boolean> {
    try {
      checkSelection(collection, { ids: [id] }); // one bad id must not fail the batch it would share
    } catch (error) {
      return Promise.reject(error);
    }
    return this.coalesced.exists(collection, id);
  }

  async delete(collection: string, args: Omit<DeleteArgs, 'collection'>, options?: CallOptions): Promise<void> {
    checkSelection(collection, args);
    if (args.ids?.length === 0) return;
    await this.executor.call('delete', { ...args, collection }, options);
  }

  /** Nearest records to each query, by embeddings or by texts (embedded with the embedder). */
  async query(
    collection: string,
    args: Omit<QueryArgs, 'collection' | 'embeddings'> & { embeddings?: number[][]; texts?: string[] },
    options?: CallOptions,
  ): Promise<QueryResult> {
    checkSelection(collection, args);
    if (args.texts !== undefined) checkTexts(args.texts, 'texts');
    const { texts, ...rest } = args;
    const embeddings = rest.embeddings ?? (texts ? await this.embedder(texts) : undefined);
    if (!embeddings) throw new TypeError('query needs embeddings or texts');
    return this.executor.call('query', { ...rest, embeddings, collection }, options);
  }

  /** Closes the session (temporary collections are deleted) and ends its owner thread. */
  close(options?: CloseOptions): Promise<void> {
    return this.executor.close(options);
  }

  private async write(
    op: 'add' | 'upsert' | 'update',
    collection: string,
    records: WriteRecords,
    options?: CallOptions,
  ): Promise<number> {
    checkRecords(collection, records);
    if (records.ids.length === 0) return 0;
    const embeddings = records.embeddings ?? (records.documents ? await this.embedder(records.documents) : undefined);
    return this.executor.call(op, { ...records, embeddings, collection }, options);
  }
}
