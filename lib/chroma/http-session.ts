/**
 * The remote Chroma session: the npm `chromadb` client (v3) against a Chroma server, hosted by an owner thread
 * like the embedded session, with the same operations, types and typed errors.
 *
 * The client has no request timeout of its own and shares one `fetchOptions.signal` across all requests,
 * so the owner thread wraps `fetch` and gives every request its own deadline. The wrapper is safe
 * because this thread exists for this one client.
 */
import { ChromaClient } from 'chromadb';
import { defineSession } from '../session.js';
import { chromaError, type ChromaErrorKind } from './errors.js';
import type { ChromaOpTable } from './ops.js';
import { DEFAULT_GET_INCLUDE, DEFAULT_QUERY_INCLUDE, emptyQueryResult } from './results.js';
import { unpackEmbeddings } from './packed-embeddings.js';
import type { CollectionInfo, CreateCollectionArgs, GetResult, Metadata, QueryResult, RecordsArgs, VersionSummary } from './types.js';
import { mayBeUnstaged, summarizeRecords } from '../sync/page-summary.js';

export interface HttpChromaOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 8000 */
  port?: number;
  /** @default false */
  ssl?: boolean;
  /** Extra HTTP headers (e.g. an auth token). Never logged. @default none */
  headers?: Record<string, string>;
  /** @default 'default_tenant' */
  tenant?: string;
  /** @default 'default_database' */
  database?: string;
  /**
   * Deadline of each HTTP request, from sending it until its response. Every request gets its own.
   * @default 30000
   */
  requestTimeoutMs?: number;
}

/**
 * The parts of the client's collection handle we use. Declared here so our emitted type declarations do not
 * import chromadb's, which reference a package chromadb does not install (@hey-api/client-fetch).
 */
interface Collection {
  name: string;
  id: string;
  tenant: string;
  database: string;
  metadata?: unknown;
  count(): Promise<number>;
  add(records: object): Promise<void>;
  upsert(records: object): Promise<void>;
  update(records: object): Promise<void>;
  get(args: object): Promise<{ ids: string[]; embeddings?: unknown; documents?: unknown; metadatas?: unknown }>;
  delete(args: object): Promise<unknown>;
  modify(args: { name?: string; metadata?: Metadata }): Promise<void>;
  query(args: object): Promise<{
    ids: string[][];
    documents?: unknown;
    metadatas?: unknown;
    distances?: unknown;
    embeddings?: unknown;
  }>;
}

interface Client {
  heartbeat(): Promise<number>;
  getMaxBatchSize(): Promise<number>;
  listCollections(): Promise<Array<{ name: string; metadata?: unknown }>>;
  createCollection(args: object): Promise<Collection>;
  getOrCreateCollection(args: object): Promise<Collection>;
  getCollection(args: object): Promise<Collection>;
  deleteCollection(args: { name: string }): Promise<void>;
}

interface State {
  client: Client;
  collections: Map<string, Collection>;
  temporary: Set<string>;
  maxBatchSize: number;
  /** The server's address and the client's headers, for the writes the client cannot send (see `writeWithNulls`). */
  server: { baseUrl: string; headers: Record<string, string> };
}

let requestTimeoutMs = 30_000;
/**
 * Set when a request passed its own deadline. The client turns every failed fetch into a ChromaConnectionError
 * without a cause, so this is how a timeout is told apart from a refused connection (one op runs at a time).
 */
let requestTimedOut = false;
const plainFetch = globalThis.fetch;
/** The collection metadata key naming the distance function, fixed when the collection is created. */
const SPACE_KEY = 'hnsw:space';
/** Node's timers hold at most 2^31-1 ms (a longer one fires after 1 ms): past that a request has no own deadline. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;
globalThis.fetch = async (input, init) => {
  if (requestTimeoutMs > LONGEST_TIMER_MS) return plainFetch(input, init); // Infinity: the op's deadline still applies
  const deadline = AbortSignal.timeout(Math.ceil(requestTimeoutMs));
  try {
    return await plainFetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline });
  } catch (error) {
    if (deadline.aborted) requestTimedOut = true;
    throw error;
  }
};

/** The typed error kind of each of the client's error classes (by class name: they are not exported types). */
const kindOfClientError: Record<string, ChromaErrorKind> = {
  ChromaUniqueError: 'collection_exists',
  ChromaNotFoundError: 'collection_not_found',
  ChromaClientError: 'invalid_argument',
  ChromaValueError: 'invalid_argument',
  ChromaConnectionError: 'connection',
  TimeoutError: 'timeout',
};

/** Maps the client's errors (and timeouts) to the typed errors both sessions share, by class, not by text. */
function translate(error: unknown, collection?: string): Error {
  const e = error as Error;
  const message = e.message ?? String(error);
  let kind: ChromaErrorKind = kindOfClientError[e.name] ?? 'internal';
  if (requestTimedOut) kind = 'timeout';
  requestTimedOut = false;
  const described =
    kind === 'collection_not_found' && collection
      ? `Collection [${collection}] does not exist`
      : kind === 'collection_exists' && collection
        ? `Collection [${collection}] already exists`
        : message;
  return chromaError(kind, described, { clientError: e.name });
}

async function guarded<T>(collection: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translate(error, collection);
  }
}

async function collectionOf(state: State, name: string): Promise<Collection> {
  let handle = state.collections.get(name);
  if (!handle) {
    handle = await guarded(name, () => state.client.getCollection({ name, embeddingFunction: null as never }));
    state.collections.set(name, handle);
  }
  return handle;
}

function* slices(length: number, size: number): Generator<[number, number]> {
  for (let start = 0; start < length; start += size) yield [start, Math.min(length, start + size)];
}

async function nameTaken(state: State, name: string): Promise<boolean> {
  try {
    await state.client.getCollection({ name, embeddingFunction: null as never });
    return true;
  } catch {
    return false;
  }
}

/** Embedding functions by name other than 'hash' and 'default' run in the embedded session's Python. */
function pythonOnly(name: string | undefined): Error {
  return chromaError(
    'embedding_unavailable',
    `the embedding function "${name ?? 'none'}" runs in Python, in the embedded session only; pass embeddings`,
  );
}

async function write(state: State, method: 'add' | 'upsert' | 'update', args: RecordsArgs): Promise<number> {
  if (args.embeddingFunction) throw pythonOnly(args.embeddingFunction);
  const collection = await collectionOf(state, args.collection);
  for (const [start, end] of slices(args.ids.length, state.maxBatchSize)) {
    const part = {
      ids: args.ids.slice(start, end),
      embeddings: args.packedEmbeddings ? unpackEmbeddings(args.packedEmbeddings, start, end) : args.embeddings?.slice(start, end),
      documents: args.documents?.slice(start, end),
      metadatas: args.metadatas?.slice(start, end),
    };
    if (method !== 'add' && part.metadatas?.some(hasNull)) await guarded(args.collection, () => writeWithNulls(state, collection, method, part));
    else await guarded(args.collection, () => collection[method](part));
  }
  return args.ids.length;
}

function hasNull(metadata: Metadata | null | undefined): boolean {
  return metadata != null && Object.values(metadata).some((value) => value === null);
}

/**
 * An upsert or update whose metadata sets keys to null, which Chroma's API takes as "delete this key" (its
 * upsert and update merge keys otherwise). The npm client drops null values before sending, so such a write is
 * sent to the same endpoint directly (under the same request deadline).
 */
async function writeWithNulls(state: State, collection: Collection, method: 'upsert' | 'update', part: object): Promise<void> {
  const path = ['tenants', collection.tenant, 'databases', collection.database, 'collections', collection.id, method].map(encodeURIComponent).join('/');
  const response = await fetch(`${state.server.baseUrl}/api/v2/${path}`, {
    method: 'POST',
    headers: { ...state.server.headers, 'content-type': 'application/json' },
    body: JSON.stringify(part, (_key, value: unknown) => (ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value)),
  });
  if (!response.ok) {
    const kind: ChromaErrorKind = response.status === 404 ? 'collection_not_found' : response.status < 500 ? 'invalid_argument' : 'internal';
    throw chromaError(kind, `${method} failed with HTTP ${response.status}`);
  }
}

/** Creates (or gets) a collection, caches its handle, and remembers it for deletion on close if temporary. */
async function openCollection(
  state: State,
  method: 'createCollection' | 'getOrCreateCollection',
  args: CreateCollectionArgs,
): Promise<CollectionInfo> {
  const c = await guarded(args.name, () =>
    state.client[method]({ name: args.name, metadata: args.metadata, embeddingFunction: null }),
  );
  state.collections.set(c.name, c);
  if (args.temporary) state.temporary.add(c.name);
  return infoOf(c);
}

/** Which of `ids` exist, looked up in slices of the server's max batch size. */
async function existing(state: State, collection: string, ids: string[]): Promise<string[]> {
  const c = await collectionOf(state, collection);
  const found: string[] = [];
  for (const [start, end] of slices(ids.length, state.maxBatchSize)) {
    const result = await guarded(collection, () => c.get({ ids: ids.slice(start, end), include: [] }));
    found.push(...result.ids);
  }
  return found;
}

function infoOf(c: { name: string; metadata?: unknown }): CollectionInfo {
  return { name: c.name, metadata: (c.metadata ?? null) as Metadata | null };
}

function pick<T>(include: string[], field: string, value: T[] | undefined | null): T[] | null {
  return include.includes(field) ? (value ?? []) : null;
}

export default defineSession<State, HttpChromaOptions, ChromaOpTable<State>>({
  async open(options: HttpChromaOptions): Promise<State> {
    requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const client: Client = new ChromaClient({
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 8000,
      ssl: options.ssl ?? false,
      headers: options.headers,
      tenant: options.tenant,
      database: options.database,
    });
    await guarded(undefined, () => client.heartbeat());
    const maxBatchSize = await guarded(undefined, () => client.getMaxBatchSize());
    const server = { baseUrl: `${options.ssl ? 'https' : 'http'}://${options.host ?? '127.0.0.1'}:${options.port ?? 8000}`, headers: { ...options.headers } };
    return { client, collections: new Map(), temporary: new Set(), maxBatchSize, server };
  },
  ops: {
    maxBatchSize: (state: State): number => state.maxBatchSize,
    listCollections: (state: State): Promise<CollectionInfo[]> =>
      guarded(undefined, async () => (await state.client.listCollections()).map(infoOf)),
    getCollection: async (state, args) => {
      state.collections.delete(args.name); // a fresh look at its metadata
      return infoOf(await collectionOf(state, args.name));
    },
    modifyCollection: async (state, args) => {
      const c = await collectionOf(state, args.collection);
      // Merged into the stored metadata read now, not the handle's copy: another client may have changed it.
      const stored = args.metadata && (args.merge || SPACE_KEY in args.metadata)
        ? (await guarded(args.collection, () => state.client.getCollection({ name: args.collection, embeddingFunction: null as never }))).metadata
        : null;
      const metadata = args.metadata && args.merge ? { ...(stored as Metadata | null), ...args.metadata } : args.metadata;
      // The server takes any value here but keeps the distance function it was created with: refused, as the
      // embedded session refuses it, rather than metadata that misstates the collection.
      if (args.metadata && SPACE_KEY in args.metadata && args.metadata[SPACE_KEY] !== (stored as Metadata | null)?.[SPACE_KEY]) {
        throw chromaError('invalid_argument', 'Changing the distance function of a collection once it is created is not supported currently.');
      }
      try {
        await c.modify({ name: args.name, metadata });
      } catch (error) {
        // The server reports a taken name as a generic database error: check the fact instead.
        if (args.name && args.name !== args.collection && (await nameTaken(state, args.name))) {
          throw chromaError('collection_exists', `Collection [${args.name}] already exists`);
        }
        throw translate(error, args.collection);
      }
      const renamed = await guarded(args.name ?? args.collection, () =>
        state.client.getCollection({ name: args.name ?? args.collection, embeddingFunction: null as never }),
      );
      state.collections.delete(args.collection);
      state.collections.set(renamed.name, renamed);
      if (args.name && state.temporary.delete(args.collection)) state.temporary.add(args.name);
      return infoOf(renamed);
    },
    createCollection: (state: State, args: CreateCollectionArgs): Promise<CollectionInfo> =>
      openCollection(state, 'createCollection', args),
    getOrCreateCollection: (state: State, args: CreateCollectionArgs): Promise<CollectionInfo> =>
      openCollection(state, 'getOrCreateCollection', args),
    deleteCollection: async (state: State, name: string): Promise<null> => {
      state.collections.delete(name);
      await guarded(name, () => state.client.deleteCollection({ name }));
      state.temporary.delete(name);
      return null;
    },
    count: async (state: State, collection: string): Promise<number> => {
      const c = await collectionOf(state, collection);
      return guarded(collection, () => c.count());
    },
    add: (state: State, args: RecordsArgs): Promise<number> => write(state, 'add', args),
    upsert: (state: State, args: RecordsArgs): Promise<number> => write(state, 'upsert', args),
    update: (state: State, args: RecordsArgs): Promise<number> => write(state, 'update', args),
    get: async (state, args): Promise<GetResult> => {
      const c = await collectionOf(state, args.collection);
      const include = args.include ?? DEFAULT_GET_INCLUDE;
      const out: GetResult = { ids: [], embeddings: null, documents: null, metadatas: null, include };
      const run = async (ids: string[] | undefined) => {
        const result = await guarded(args.collection, () =>
          c.get({ ids, where: args.where, whereDocument: args.whereDocument, include, limit: ids ? undefined : args.limit, offset: ids ? undefined : args.offset }),
        );
        out.ids.push(...result.ids);
        for (const field of ['embeddings', 'documents', 'metadatas'] as const) {
          const values = pick(include, field, result[field] as unknown[] | undefined);
          if (values) out[field] = [...((out[field] as unknown[] | null) ?? []), ...values] as never;
        }
      };
      if (args.ids === undefined) await run(undefined);
      else for (const [start, end] of slices(args.ids.length, state.maxBatchSize)) await run(args.ids.slice(start, end));
      return out;
    },
    existing: (state: State, args: { collection: string; ids: string[] }): Promise<string[]> => existing(state, args.collection, args.ids),
    delete: async (state, args): Promise<null> => {
      const c = await collectionOf(state, args.collection);
      if (args.ids === undefined) {
        await guarded(args.collection, () => c.delete({ where: args.where, whereDocument: args.whereDocument }));
        return null;
      }
      for (const [start, end] of slices(args.ids.length, state.maxBatchSize)) {
        const ids = args.ids.slice(start, end);
        await guarded(args.collection, () => c.delete({ ids, where: args.where, whereDocument: args.whereDocument }));
      }
      return null;
    },
    query: async (state, args): Promise<QueryResult> => {
      if (!args.embeddings) throw pythonOnly(args.embeddingFunction);
      const c = await collectionOf(state, args.collection);
      const include = args.include ?? DEFAULT_QUERY_INCLUDE;
      // Chroma fails the whole query on an id it does not have: search among those that exist, as get does.
      const ids = args.ids && (await existing(state, args.collection, args.ids));
      if (ids?.length === 0) return emptyQueryResult(args.embeddings.length, include);
      const query = { queryEmbeddings: args.embeddings, ids, nResults: args.nResults ?? 10, where: args.where, include };
      const result = await guarded(args.collection, () => c.query({ ...query, whereDocument: args.whereDocument }));
      return {
        include,
        ids: result.ids,
        documents: pick(include, 'documents', result.documents as never) as QueryResult['documents'],
        metadatas: pick(include, 'metadatas', result.metadatas as never) as QueryResult['metadatas'],
        distances: pick(include, 'distances', result.distances as never) as QueryResult['distances'],
        embeddings: pick(include, 'embeddings', result.embeddings as never) as QueryResult['embeddings'],
      };
    },
    summarizePage: async (state, args) => {
      const c = await collectionOf(state, args.collection);
      const withHashes = args.withHashes !== false;
      const include = withHashes ? ['documents', 'metadatas'] : ['metadatas'];
      const page = await guarded(args.collection, () => c.get({ where: args.where, include, limit: args.limit + 1, offset: args.offset }));
      const records = Math.min(page.ids.length, args.limit);
      const texts = page.documents as Array<string | null> | undefined;
      const metas = page.metadatas as Array<Metadata | null> | undefined;
      const rows = page.ids.slice(0, records).map((id, i) => ({ id, text: (withHashes ? texts?.[i] : null) ?? null, meta: metas?.[i] ?? {} }));
      const textsOf = args.withTexts;
      const withText =
        textsOf === true
          ? (version: VersionSummary, text: string, meta: Metadata) => Object.assign(version, { text, meta })
          : textsOf
            ? (version: VersionSummary, text: string, meta: Metadata, parts: Array<{ meta: Metadata }>) => {
                if (mayBeUnstaged(version, parts.map((part) => part.meta), textsOf.floor ?? null)) Object.assign(version, { text, meta });
              }
            : undefined;
      return { records, more: page.ids.length > args.limit, ...summarizeRecords(rows, withHashes, args.overlap, withText) };
    },
    embeddingDimension: async (_state, name) => {
      throw pythonOnly(name);
    },
    pid: (): number | undefined => undefined,
  },
  async close(state: State): Promise<void> {
    for (const name of state.temporary) {
      try {
        await state.client.deleteCollection({ name });
      } catch {
        // best effort: closing goes on
      }
    }
    state.temporary.clear();
    state.collections.clear();
  },
});
