/**
 * The embedded Chroma session: runs in the owner thread, which starts and owns one Python child process
 * holding a chromadb PersistentClient (and the GIL). Every op is one request to that child, in order.
 */
import { defineSession, type OwnerContext, type Transferred } from '../session.js';
import { resolve } from 'node:path';
import { forgetHost, recordHost, waitForRecordedHost } from '../host-record.js';
import { ChromaLockedError, lockFileFor, realPathIfExists } from '../path-lock.js';
import { workerFile } from '../paths.js';
import { resolvePython } from '../python/discovery.js';
import { CHROMA_ERROR_CODES, chromaError, type ChromaErrorKind } from './errors.js';
import { FramedChild, type FramedReply } from './framed-child.js';
import { forwardReply, isErrorReply, type JsonReply } from './json-reply.js';
import type { ChromaOpTable } from './ops.js';
import { DEFAULT_GET_INCLUDE, DEFAULT_QUERY_INCLUDE } from './results.js';
import { toWire } from './packed-embeddings.js';
import type { GetResult, QueryResult, RecordsArgs } from './types.js';

export interface PythonChromaOptions {
  /** Directory of the persistent Chroma database (created if missing). Required. */
  path: string;
  /**
   * Python interpreter with chromadb installed.
   * @default SESSION_EXECUTOR_PYTHON, else the project's .venv, else the environment `npx session-executor setup-python` made
   */
  python?: string;
  /**
   * Whether chromadb's default embedding function may download its model (all-MiniLM-L6-v2, ~80 MB) on first
   * use, as chromadb does. When `false`, a missing model is a `ChromaEmbeddingUnavailableError` at once.
   * @default true
   */
  allowModelDownload?: boolean;
  /** Folder holding chromadb's ONNX models. @default chromadb's own, `~/.cache/chroma/onnx_models` */
  modelCacheDir?: string;
  /** How long `close` waits for Python to dispose of the client and exit before SIGKILL. @default 10000 */
  closeTimeoutMs?: number;
  /**
   * Whether scans of a whole collection (detection at the default level, staging) read its records straight
   * from the directory's SQLite file, read-only, instead of through chromadb's `get`: two to three times
   * faster, and the same records, values and order. It is used only with a chromadb version whose `get` it
   * has been checked against (the one the project's setup installs), and only when every write is applied to
   * the file; anywhere else scans use `get`. `false` always uses `get`.
   * @default true
   */
  directScan?: boolean;
}

export interface State {
  child: FramedChild;
  /** Where the host's pid is recorded beside the directory (see {@link hostRecordFile}). */
  record: string;
  maxBatchSize: number;
  options: PythonChromaOptions;
}

export async function ask<T>(state: State, op: string, args: object): Promise<T> {
  return valueOf<T>(await state.child.request({ op, args }));
}

function valueOf<T>(reply: FramedReply): T {
  if (reply.error) {
    const kind = reply.error.kind in CHROMA_ERROR_CODES ? (reply.error.kind as ChromaErrorKind) : 'internal';
    throw chromaError(kind, reply.error.message, { pythonType: reply.error.type });
  }
  return reply.ok as T;
}

/**
 * Like {@link ask}, for replies that may be large: a successful one goes to the caller as its bytes (see
 * json-reply.ts); an error is read here, as any other.
 */
async function askForward<T>(state: State, op: string, args: object): Promise<Transferred<JsonReply<T>>> {
  const body = await state.child.requestBytes({ op, args });
  if (isErrorReply(body)) valueOf(JSON.parse(body.toString('utf8')) as FramedReply);
  return forwardReply<T>(body);
}

/** A write as the host reads it: packed vectors in base64 (JSON would spell out every float in decimal). */
function onTheWire(args: RecordsArgs): object {
  if (!args.packedEmbeddings) return args;
  return { ...args, packedEmbeddings: toWire(args.packedEmbeddings) };
}

/**
 * `.<name>.host` beside the Chroma directory (where its path lock is): the Python host that has it open. The
 * host dies with its owner thread, but a host of a process that was killed may still be finishing a write: the
 * next owner waits for it to be gone before its own client opens the directory.
 */
function hostRecordFile(path: string): string {
  const target = realPathIfExists(resolve(path));
  return lockFileFor(target).slice(0, -'.owner.lock'.length) + '.host';
}

function start(python: string, hostScript: string, context: OwnerContext): FramedChild {
  const env = {
    ...process.env,
    PYTHONUNBUFFERED: '1',
    ANONYMIZED_TELEMETRY: 'False',
    PYTHONDONTWRITEBYTECODE: '1',
    // The host checks it still has this parent after asking to die with it (workers/die_with_parent.py).
    SESSION_EXECUTOR_PARENT_PID: String(process.pid),
  };
  const child = new FramedChild(python, [hostScript], env);
  if (child.pid) context.registerChildProcess(child.pid);
  child.onUnexpectedExit = (description) => {
    // The session is gone with its process: end the owner thread (this throw, from the child's exit event, is
    // uncaught on purpose) so the executor rejects what was running with a crash error carrying this cause,
    // and restarts and re-opens the session.
    throw new Error(description);
  };
  return child;
}

/**
 * Starts the Python host and opens the client. `hostScript` is the shipped host unless a test passes one that
 * extends it (test-only operations never ship).
 */
export async function openPythonChroma(
  options: PythonChromaOptions,
  context: OwnerContext,
  hostScript: string = workerFile('chroma_host.py'),
): Promise<State> {
  const python = await resolvePython(options.python);
  const record = hostRecordFile(options.path);
  const running = await waitForRecordedHost(record);
  if (running !== null) throw new ChromaLockedError(resolve(options.path), running);
  const child = start(python, hostScript, context);
  if (child.pid) recordHost(record, child.pid);
  const state: State = { child, maxBatchSize: 0, record, options };
  try {
    const opened = await ask<{ maxBatchSize: number }>(state, 'open', {
      path: options.path,
      allowModelDownload: options.allowModelDownload ?? true,
      modelCacheDir: options.modelCacheDir,
      directScan: options.directScan ?? true,
    });
    state.maxBatchSize = opened.maxBatchSize;
  } catch (error) {
    child.onUnexpectedExit = null;
    await child.stop(1_000);
    forgetHost(record);
    throw error;
  }
  return state;
}

export default defineSession<State, PythonChromaOptions, ChromaOpTable<State>>({
  open: (options: PythonChromaOptions, context: OwnerContext): Promise<State> => openPythonChroma(options, context),
  ops: {
    maxBatchSize: (state) => state.maxBatchSize,
    listCollections: (state) => ask(state, 'list_collections', {}),
    createCollection: (state, args) => ask(state, 'create_collection', args),
    getOrCreateCollection: (state, args) => ask(state, 'get_or_create_collection', args),
    getCollection: (state, args) => ask(state, 'get_collection', args),
    modifyCollection: (state, args) => ask(state, 'modify_collection', args),
    deleteCollection: (state, name) => ask(state, 'delete_collection', { name }),
    count: (state, collection) => ask(state, 'count', { collection }),
    add: (state, args) => ask(state, 'add', onTheWire(args)),
    upsert: (state, args) => ask(state, 'upsert', onTheWire(args)),
    update: (state, args) => ask(state, 'update', onTheWire(args)),
    get: async (state, args) => {
      const include = args.include ?? DEFAULT_GET_INCLUDE;
      const result = await ask<GetResult>(state, 'get', { ...args, include });
      return { ids: result.ids, embeddings: result.embeddings, documents: result.documents, metadatas: result.metadatas, include };
    },
    existing: (state, args) => ask(state, 'existing', args),
    delete: (state, args) => ask(state, 'delete', args),
    query: async (state, args) => {
      const include = args.include ?? DEFAULT_QUERY_INCLUDE;
      const result = await ask<QueryResult>(state, 'query', {
        collection: args.collection,
        embeddings: args.embeddings,
        texts: args.texts,
        ids: args.ids,
        embeddingFunction: args.embeddingFunction,
        n_results: args.nResults ?? 10,
        where: args.where,
        whereDocument: args.whereDocument,
        include,
      });
      const { ids, documents, metadatas, distances, embeddings } = result;
      return { ids, documents, metadatas, distances, embeddings, include };
    },
    summarizePage: (state, args) => askForward(state, 'summarize_page', args),
    embeddingDimension: (state, name) => ask(state, 'embedding_dimension', { name }),
    /** The Python process id, for tests and diagnostics. */
    pid: (state) => state.child.pid,
  },
  async close(state: State, context: OwnerContext): Promise<void> {
    state.child.onUnexpectedExit = null;
    const pid = state.child.pid;
    // Node's timers hold at most 2^31-1 ms (a longer one, or Infinity, fires after 1 ms and would kill Python
    // before chromadb closed): cap it; the executor's own close deadline still bounds the wait.
    const graceMs = Math.min(state.options.closeTimeoutMs ?? 10_000, 2 ** 31 - 1);
    try {
      await Promise.race([
        ask(state, 'close', {}),
        new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
      ]);
    } finally {
      await state.child.stop(graceMs);
      if (pid) context.unregisterChildProcess(pid);
      forgetHost(state.record);
    }
  },
});
