/**
 * The embedded version store: DoltLite (DoltHub's SQLite with Dolt version control) behind the store's owner
 * thread. Every operation is written once here against a small engine interface (engine/sql-engine.ts); the
 * engine is native libdoltlite in a Python host process (the default where Python with the `doltlite` package
 * is set up) or the WebAssembly build in this thread (no Python needed). Both keep the store in one file on
 * disk and commit by appending what changed, so a commit costs the size of the change; without a path the
 * store lives in memory.
 *
 * Before the engine sees the file, doltlite-file.ts checks that it is a DoltLite store (anything else is
 * refused untouched) and deals with a commit torn by a crash. The main thread holds the path lock.
 */
import { makeFolders } from '../path-lock.js';
import { dirname, join, resolve } from 'node:path';
import { defineSession, type OwnerContext } from '../session.js';
import { checkBranchName, StoreArgumentError, storeArgumentError, storeError } from './errors.js';
import { prepareStoreFile, StoreFormatError, type TornTailPolicy } from './doltlite-file.js';
import { readActiveBranch, writeActiveBranch } from './doltlite-branch-file.js';
import { foldDiffRows, type DiffRow } from './diff-fold.js';
import { readSnapshot, writeSnapshot } from './hash-snapshot.js';
import { isoDate } from './commit-date.js';
import { doltLiteVersioningOps } from './doltlite-versioning.js';
import { refuseSelfRemote } from './remote-self.js';
import { markRemoteCreation, remoteCreated, setAsideCrashedCreation } from './remote-creation.js';
import { openEngine } from './engine/choose-engine.js';
import { waitForPreviousHost } from './engine/native-engine.js';
import { EngineSqlError, type DoltLiteEngineKind, type SqlEngine, type Statement } from './engine/sql-engine.js';
import type { ChangeSet, CommitInfo, DocumentChange, TableStatus } from './version-store.js';
import type { MergeOutcome } from './versioning.js';

export interface DoltLiteOptions {
  /**
   * The store file (absolute or relative to the working directory). Created with its folder on first use;
   * one owner at a time (a second opener gets `StoreLockedError`).
   * @default none: in memory only, gone on close
   */
  path?: string;
  /**
   * When the store file does not exist yet, create it as a clone of this remote: a folder another store pushed
   * to, or a `file://` URL of a store file. Ignored when the file exists.
   * @default none: a new store starts empty
   */
  cloneFrom?: string;
  /**
   * The DoltLite engine. `native`: libdoltlite from the PyPI `doltlite` package, in a Python process of its own
   * (a commit costs milliseconds at any size; needs the environment `npx session-executor setup-python`
   * makes). `wasm`: the WebAssembly build in the owner thread (no Python; needs the optional
   * `@dolthub/doltlite-wasm`; commits and opens of large stores are an order of magnitude slower). `auto`:
   * native when a Python environment with `doltlite` is found, else wasm. Both read and write the same file, so
   * a store can change engines. A missing engine is a `StoreEngineUnavailableError` naming what to install.
   * @default 'auto'
   */
  engine?: 'auto' | DoltLiteEngineKind;
  /**
   * The Python interpreter for the native engine (it needs the `doltlite` package, not chromadb).
   * @default SESSION_EXECUTOR_PYTHON, else the project's .venv, else the environment `npx session-executor setup-python` made
   */
  python?: string;
}

/** What the main side adds to the options; not for users. */
export interface DoltLiteOwnerOptions extends DoltLiteOptions {
  /** The previous holder of the path died holding it: a torn last commit may be repaired. */
  repairTornTail?: boolean;
  /** Counts owner opens (shared memory): every open after the first is a restart after a crash or a wedge. */
  opens?: SharedArrayBuffer;
}

/** Ids per lookup query; json_each takes any number, this only bounds one statement's memory. */
const IDS_PER_QUERY = 50_000;

export interface State {
  engine: SqlEngine;
  options: DoltLiteOwnerOptions;
  queries: number;
  /** The store file did not exist before this open. */
  created: boolean;
  /** The branch last written beside the store (undefined: none yet). */
  recordedBranch?: string;
  /** The streamed commit whose transaction is open, if any. */
  stream: { token: number; collection: string; message: string } | null;
  /** Streamed commits begun (tokens). */
  streams: number;
  /** False once the engine was found without `dolt_hashof_table` (no document hash snapshots). */
  tableHashes?: boolean;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS collections (
     name TEXT PRIMARY KEY,
     metadata TEXT NOT NULL DEFAULT '{}',
     created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
     updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
  `CREATE TABLE IF NOT EXISTS documents (
     doc_id TEXT NOT NULL,
     collection_name TEXT NOT NULL,
     content TEXT NOT NULL,
     content_hash CHAR(64) NOT NULL,
     metadata TEXT NOT NULL DEFAULT '{}',
     created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
     updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
     PRIMARY KEY (doc_id, collection_name))`,
  `CREATE TABLE IF NOT EXISTS document_sync_log (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     doc_id TEXT NOT NULL,
     collection_name TEXT NOT NULL,
     operation TEXT NOT NULL CHECK (operation IN ('added', 'modified', 'deleted')),
     content_hash CHAR(64),
     synced_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
];

/** Runs SQL, counting it, and turns engine errors into typed store errors (without the SQL text). */
async function run<T>(state: State, work: (engine: SqlEngine) => Promise<T>): Promise<T> {
  state.queries++;
  try {
    return await work(state.engine);
  } catch (error) {
    if (!(error instanceof EngineSqlError)) throw error;
    const constraint = error.resultCode !== undefined && (error.resultCode & 0xff) === 19; // SQLITE_CONSTRAINT
    throw storeError(constraint, error.message, error.resultCode);
  }
}

/**
 * The documents table's content hash, or null where the engine has no `dolt_hashof_table` (then no snapshot is
 * used; asked once per open).
 */
async function documentsTableHash(state: State): Promise<string | null> {
  if (state.tableHashes === false) return null;
  try {
    const hash = await value<unknown>(state, "SELECT dolt_hashof_table('documents')");
    if (typeof hash === 'string' && hash.length > 0) return hash;
  } catch {
    // An engine without the function: detection reads the table, as it always can.
  }
  state.tableHashes = false;
  return null;
}

function select<T>(state: State, sql: string, bind: unknown[] = []): Promise<T[]> {
  return run(state, (engine) => engine.rows(sql, bind) as Promise<T[]>);
}

function value<T>(state: State, sql: string, bind: unknown[] = []): Promise<T> {
  return run(state, (engine) => engine.value(sql, bind) as Promise<T>);
}

export function exec(state: State, sql: string, bind: unknown[] = []): Promise<void> {
  return run(state, (engine) => engine.exec(sql, bind));
}

/** Statements in one request to the engine; each counts as a query. */
function batch(state: State, statements: Statement[]): Promise<unknown[]> {
  state.queries += statements.length - 1;
  return run(state, (engine) => engine.batch(statements));
}

async function openDatabase(
  options: DoltLiteOwnerOptions,
  context: OwnerContext,
): Promise<{ engine: SqlEngine; created: boolean; afterCrash: boolean }> {
  if (!options.path) return { engine: await openEngine(options, context), created: true, afterCrash: false };
  // The first open of a store's life repairs a torn commit only if the previous holder died; a restart of this
  // store's own owner (its previous thread crashed or was terminated) may always repair its own torn commit.
  const restarted = options.opens ? Atomics.add(new Int32Array(options.opens), 0, 1) > 0 : false;
  const afterCrash = Boolean(options.repairTornTail) || restarted;
  // A native engine process of a previous owner may still be dying: nothing may write to the file while it is
  // checked and repaired.
  await waitForPreviousHost(options.path);
  const file = prepareStoreFile(options.path, afterCrash ? 'repair' : 'refuse');
  return { engine: await openEngine(options, context), created: !file.exists, afterCrash };
}

/**
 * After a crash the store reopens exactly at its last commit. `dolt_commit` first saves the transaction's
 * rows as the working set and then the commit, two appends: a crash between them would leave the rows of a
 * commit that never happened looking like uncommitted work (and detection would take them for synced). Every
 * document write of this store commits, so a dirty working set after a crash is such a remnant (or an
 * uncommitted collection record, which the next commit of that collection writes again): it is reset.
 */
async function discardUncommittedAfterCrash(state: State): Promise<void> {
  if (await hasUncommittedChanges(state)) await value(state, "SELECT dolt_reset('--hard')");
}

/** A remote location as the engine wants it: folders become `file://<folder>/store.doltlite`. */
export function remoteUrl(location: string): string {
  if (location.startsWith('file://')) return location;
  return `file://${join(resolve(location), REMOTE_FILE)}`;
}

const REMOTE_FILE = 'store.doltlite';

/**
 * The remote's store file, checked like the store's own before the engine reads or appends to it. Only pushes
 * write to a remote file (`repair`), so a torn tail there is a pusher's crash debris, cut (and kept aside) before
 * the next push appends; reads (fetch, pull) only check it (`report`).
 */
async function prepareRemote(state: State, remote: string, policy: TornTailPolicy): Promise<string | null> {
  const url = await value<string | undefined>(state, 'SELECT url FROM dolt_remotes WHERE name = ?', [remote]);
  if (!url) throw storeArgumentError(`unknown remote ${JSON.stringify(remote)}`);
  refuseSelfRemote(state.options.path, remote, url);
  if (!url.startsWith('file://')) return null;
  const path = url.slice('file://'.length);
  let exists: boolean;
  try {
    exists = prepareStoreFile(path, policy).exists;
  } catch (error) {
    // An empty or cut file left by a push that died creating this remote is set aside; anything else stays.
    if (!(policy === 'repair' && error instanceof StoreFormatError && setAsideCrashedCreation(path))) throw error;
    exists = false;
  }
  // Nothing to read there yet (no store pushed to it): the caller's to fix, said plainly, not the engine's
  // "failed to open remote".
  if (!exists && policy !== 'repair') {
    throw storeArgumentError(`remote ${JSON.stringify(remote)} holds no store yet (nothing was pushed to ${url})`);
  }
  if (exists || policy !== 'repair') return null;
  // The engine does not create a missing folder for a remote's first push.
  makeFolders(dirname(path));
  // The process that writes the file: the native engine's host, or this one for the WebAssembly engine.
  markRemoteCreation(path, state.engine.pid ?? process.pid);
  return path;
}

/** Checks out the branch recorded at the last checkout, if it still exists. */
async function restoreActiveBranch(state: State): Promise<void> {
  if (!state.options.path) return;
  const branch = readActiveBranch(state.options.path);
  state.recordedBranch = branch ?? undefined;
  if (!branch || branch === (await value<string>(state, 'SELECT active_branch()'))) return;
  if ((await value<number>(state, 'SELECT count(*) FROM dolt_branches WHERE name = ?', [branch])) > 0) {
    await value(state, 'SELECT dolt_checkout(?)', [branch]);
  }
}

/** Records the active branch beside the store when it changed (a checkout, or a versioning operation). */
async function recordActiveBranch(state: State): Promise<void> {
  if (!state.options.path) return;
  const branch = await value<string>(state, 'SELECT active_branch()');
  if (branch === state.recordedBranch) return;
  writeActiveBranch(state.options.path, branch);
  state.recordedBranch = branch;
}

async function hasUncommittedChanges(state: State): Promise<boolean> {
  return (await value<number>(state, 'SELECT count(*) FROM dolt_status')) > 0;
}

/**
 * Runs `statements` and the Dolt commit as one SQL transaction: if the commit itself fails (an empty message, a
 * disk error), the rows written are rolled back too and the store is exactly as before; a retry commits all.
 * The statements and the status check go to the engine as one batch (one round trip to the native engine).
 */
async function commitAtomically(state: State, message: string, statements: Statement[]): Promise<string | null> {
  if (typeof message !== 'string' || message.trim() === '') throw storeArgumentError('a commit needs a message');
  if (state.stream !== null) throw storeArgumentError('a streamed commit is open on this store');
  // A transaction someone else opened (a merge with conflicts) is never committed from here: BEGIN refuses it.
  if (state.engine.inTransaction()) await exec(state, 'BEGIN');
  const results = await abortOnFailure(state, () => batch(state, [{ sql: 'BEGIN' }, ...statements, ...commitStatements(message, statements.length + 1)]));
  return (results[statements.length + 2] as string | undefined) ?? null;
}

/**
 * The end of a commit: the status check, `dolt_commit` only when it shows changes (dolt_commit refuses an
 * empty commit), and `COMMIT` only if the transaction is still open (DoltLite's dolt_commit may or may not end
 * the transaction it runs in). `at` is the index of the first of them in their batch; the commit hash is the
 * result at `at + 1`.
 */
function commitStatements(message: string, at: number): Statement[] {
  return [
    { sql: 'SELECT count(*) FROM dolt_status', want: 'value' },
    { sql: "SELECT dolt_commit('-A', '-m', ?)", bind: [message], want: 'value', ifPositive: at },
    { sql: 'COMMIT', ifInTransaction: true },
  ];
}

/** Runs `work`; if it fails, rolls back the transaction it leaves open (and any open stream with it). */
async function abortOnFailure<T>(state: State, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    state.stream = null;
    await rollback(state);
    throw error;
  }
}

async function rollback(state: State): Promise<void> {
  if (!state.engine.inTransaction()) return;
  try {
    await exec(state, 'ROLLBACK');
  } catch {
    // The failed statement may have ended the transaction already.
  }
}

function openStream(state: State, token: number): NonNullable<State['stream']> {
  if (state.stream === null || state.stream.token !== token) {
    // The main side serialises streams and stops a stream at its first failure, so a stream it still holds a
    // token for is gone only because this owner is not the one that began it (the engine or thread died).
    throw new StoreArgumentError({
      name: 'StoreArgumentError',
      message: 'the streamed commit is no longer open (it failed, or the store restarted)',
      code: 'ERR_STORE_ARGUMENT',
      details: { streamGone: true },
    });
  }
  return state.stream;
}

function collectionStatement(collection: string): Statement {
  return { sql: 'INSERT INTO collections (name) VALUES (?) ON CONFLICT(name) DO NOTHING', bind: [collection] };
}

/** The statements writing upserts and deletions of one collection with their sync-log rows (none for none). */
function changeStatements(collection: string, changes: { upserts: ChangeSet['upserts']; deletes: string[] }): Statement[] {
  const statements: Statement[] = [];
  if (changes.upserts.length > 0) {
    const upserts = JSON.stringify(changes.upserts.map((d) => [d.docId, d.content, d.contentHash, JSON.stringify(d.metadata ?? {})]));
    // The sync log needs only ids and hashes: binding the whole upserts text there too would send every
    // document's content to the engine twice in one request.
    const logged = JSON.stringify(changes.upserts.map((d) => [d.docId, d.contentHash]));
    // Which upserts are new, before writing them, for the sync log.
    statements.push({
      sql: `INSERT INTO document_sync_log (doc_id, collection_name, operation, content_hash)
         SELECT json_extract(j.value, '$[0]'), ?1,
                CASE WHEN d.doc_id IS NULL THEN 'added' ELSE 'modified' END, json_extract(j.value, '$[1]')
         FROM json_each(?2) AS j
         LEFT JOIN documents AS d ON d.collection_name = ?1 AND d.doc_id = json_extract(j.value, '$[0]')`,
      bind: [collection, logged],
    });
    statements.push({
      sql: `INSERT INTO documents (doc_id, collection_name, content, content_hash, metadata)
         SELECT json_extract(value, '$[0]'), ?1, json_extract(value, '$[1]'), json_extract(value, '$[2]'),
                json_extract(value, '$[3]')
         FROM json_each(?2) WHERE true
         ON CONFLICT (doc_id, collection_name) DO UPDATE SET
           content = excluded.content, content_hash = excluded.content_hash, metadata = excluded.metadata,
           updated_at = CURRENT_TIMESTAMP`,
      bind: [collection, upserts],
    });
  }
  if (changes.deletes.length > 0) {
    const deletes = JSON.stringify(changes.deletes);
    statements.push({
      sql: `INSERT INTO document_sync_log (doc_id, collection_name, operation, content_hash)
         SELECT value, ?1, 'deleted', NULL FROM json_each(?2)`,
      bind: [collection, deletes],
    });
    statements.push({
      sql: 'DELETE FROM documents WHERE collection_name = ? AND doc_id IN (SELECT value FROM json_each(?))',
      bind: [collection, deletes],
    });
  }
  return statements;
}

const versioning = doltLiteVersioningOps((state: State) => ({
  select: (sql, bind) => select(state, sql, bind),
  value: (sql, bind) => value(state, sql, bind),
  exec: (sql, bind) => exec(state, sql, bind),
  // Every statement is on disk when it returns; what a versioning operation may change beyond the file is
  // the active branch, which the store keeps beside it.
  persist: () => recordActiveBranch(state),
}));

export default defineSession({
  async open(options: DoltLiteOwnerOptions, context: OwnerContext): Promise<State> {
    const { engine, created, afterCrash } = await openDatabase(options, context);
    const state: State = { engine, options, queries: 0, created, stream: null, streams: 0 };
    try {
      if (afterCrash) await discardUncommittedAfterCrash(state);
      if (options.cloneFrom && created) {
        const url = remoteUrl(options.cloneFrom);
        // Checked first: the engine's own refusal of a missing or foreign remote file is an untyped "failed to
        // open remote".
        if (url.startsWith('file://') && !prepareStoreFile(url.slice('file://'.length), 'report').exists) {
          throw storeArgumentError(`the remote ${url} holds no store (nothing was pushed there)`);
        }
        await value(state, 'SELECT dolt_clone(?)', [url]);
      }
      // Only a store without the tables gets the schema commit: reopening must not commit whatever the working
      // set holds (an ensureCollection not yet committed, say) under the schema's name.
      const tables = await value<number>(
        state,
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('collections', 'documents', 'document_sync_log')",
      );
      if (tables < SCHEMA.length) {
        await commitAtomically(state, 'Create session-executor schema', SCHEMA.map((sql) => ({ sql })));
      }
      await restoreActiveBranch(state);
    } catch (error) {
      await state.engine.close();
      throw error;
    }
    state.queries = 0;
    return state;
  },
  ops: {
    ...versioning,
    dialect: (): 'doltlite' => 'doltlite',
    queries: (state: State): number => state.queries,
    /** Which engine runs the store, and its process id when it has one of its own. */
    engine: (state: State): { kind: DoltLiteEngineKind; pid: number | undefined } => ({ kind: state.engine.kind, pid: state.engine.pid }),

    ensureCollection: async (state: State, args: { name: string; metadata?: Record<string, unknown> }): Promise<null> => {
      await exec(state, 'INSERT INTO collections (name, metadata) VALUES (?, ?) ON CONFLICT(name) DO NOTHING', [
        args.name,
        JSON.stringify(args.metadata ?? {}),
      ]);
      return null;
    },

    /**
     * Every (id, hash) pair as one JSON text: the caller parses it (see `SqlEngine.arraysJson`). A store with a
     * file answers from its snapshot when the documents table is as the snapshot found it (hash-snapshot.ts),
     * and otherwise reads the table and records a snapshot; `fresh` skips the snapshot (the caller found it bad).
     */
    documentHashes: async (state: State, args: { collection: string; fresh?: boolean }): Promise<string> => {
      const path = state.options.path;
      const table = path ? await documentsTableHash(state) : null;
      if (table !== null && args.fresh !== true) {
        const recorded = readSnapshot(path!, table, args.collection);
        if (recorded !== null) return recorded;
      }
      const json = await run(state, (engine) =>
        engine.arraysJson('SELECT doc_id, content_hash FROM documents WHERE collection_name = ?', [args.collection]),
      );
      // Recorded only when the table is still as it was before the read: the snapshot must be of that state.
      if (table !== null && (await documentsTableHash(state)) === table) writeSnapshot(path!, table, args.collection, json);
      return json;
    },

    existing: async (state: State, args: { collection: string; ids: string[] }): Promise<string[]> => {
      const found: string[] = [];
      for (let start = 0; start < args.ids.length; start += IDS_PER_QUERY) {
        const rows = await select<{ doc_id: string }>(
          state,
          'SELECT doc_id FROM documents WHERE collection_name = ? AND doc_id IN (SELECT value FROM json_each(?))',
          [args.collection, JSON.stringify(args.ids.slice(start, start + IDS_PER_QUERY))],
        );
        for (const row of rows) found.push(row.doc_id);
      }
      return found;
    },

    /** One transaction: documents, deletions, sync-log rows and the Dolt commit, all or nothing. */
    commitChanges: (state: State, changes: ChangeSet): Promise<string | null> =>
      commitAtomically(state, changes.message, [collectionStatement(changes.collection), ...changeStatements(changes.collection, changes)]),

    // A streamed commit (see VersionStore.commitStream): begin, parts, commit or abort, each one request. The main
    // side keeps the store's other calls away while it is open; the token makes a part of an older stream (whose
    // owner crashed and was restarted) fail rather than land in another transaction.
    streamBegin: async (state: State, args: { collection: string; message: string }): Promise<number> => {
      if (typeof args.message !== 'string' || args.message.trim() === '') throw storeArgumentError('a commit needs a message');
      if (state.stream !== null) throw storeArgumentError('a streamed commit is already open on this store');
      // A transaction someone else opened (a merge with conflicts) is never committed from here: BEGIN refuses it.
      if (state.engine.inTransaction()) await exec(state, 'BEGIN');
      await abortOnFailure(state, () => batch(state, [{ sql: 'BEGIN' }, collectionStatement(args.collection)]));
      state.stream = { token: ++state.streams, collection: args.collection, message: args.message };
      return state.stream.token;
    },

    streamWrite: async (state: State, args: { token: number; upserts: ChangeSet['upserts']; deletes: string[] }): Promise<null> => {
      const stream = openStream(state, args.token);
      await abortOnFailure(state, () => batch(state, changeStatements(stream.collection, args)));
      return null;
    },

    streamCommit: async (state: State, token: number): Promise<string | null> => {
      const stream = openStream(state, token);
      const results = await abortOnFailure(state, () => batch(state, commitStatements(stream.message, 0)));
      state.stream = null;
      return (results[1] as string | undefined) ?? null;
    },

    /** Rolls an open stream back; nothing to do when it is gone already (failed, or its owner restarted). */
    streamAbort: async (state: State, token: number): Promise<null> => {
      if (state.stream?.token !== token) return null;
      state.stream = null;
      await rollback(state);
      return null;
    },

    /** Commits whatever the working set holds (null when it is clean). */
    commit: (state: State, message: string): Promise<string | null> => commitAtomically(state, message, []),

    log: async (state: State, limit: number): Promise<CommitInfo[]> =>
      (
        await select<CommitInfo>(
          state,
          // dolt_log lists newest first; dates have one-second resolution, so they cannot order commits.
          'SELECT commit_hash AS hash, message, committer, date FROM dolt_log LIMIT ?',
          [limit],
        )
      ).map((commit) => ({ ...commit, date: isoDate(commit.date) })),

    diff: async (state: State, args: { to: string; from?: string }): Promise<DocumentChange[]> => {
      // dolt_diff_documents holds each commit's changes against its parent. For a range of a linear history,
      // fold the commits between `from` (exclusive) and `to` (inclusive), oldest first.
      const commits = await select<{ hash: string }>(state, 'SELECT commit_hash AS hash FROM dolt_log');
      const order = commits.map((c) => c.hash);
      const end = order.indexOf(args.to);
      if (end < 0) throw storeArgumentError(`unknown commit ${args.to}`);
      const start = args.from === undefined ? end + 1 : order.indexOf(args.from);
      if (start < end) throw storeArgumentError(`commit ${args.from} is not an ancestor of ${args.to}`);
      const range = order.slice(end, start).reverse();
      const rows = await select<DiffRow>(
        state,
        `SELECT to_commit, from_doc_id, to_doc_id, from_collection_name, to_collection_name, from_content_hash,
                to_content_hash
         FROM dolt_diff_documents WHERE to_commit IN (SELECT value FROM json_each(?))`,
        [JSON.stringify(range)],
      );
      return foldDiffRows(rows, range);
    },

    status: async (state: State): Promise<TableStatus[]> =>
      (await select<{ table_name: string; staged: number; status: string }>(state, 'SELECT table_name, staged, status FROM dolt_status')).map(
        (row) => ({ table: row.table_name, staged: Boolean(row.staged), status: row.status }),
      ),

    activeBranch: (state: State): Promise<string> => value<string>(state, 'SELECT active_branch()'),

    createBranch: async (state: State, name: string): Promise<null> => {
      checkBranchName(name);
      await value(state, 'SELECT dolt_branch(?)', [name]);
      return null;
    },

    checkout: async (state: State, name: string): Promise<null> => {
      checkBranchName(name);
      await value(state, 'SELECT dolt_checkout(?)', [name]);
      await recordActiveBranch(state);
      return null;
    },

    branches: async (state: State): Promise<string[]> =>
      (await select<{ name: string }>(state, 'SELECT name FROM dolt_branches ORDER BY name')).map((row) => row.name),

    // Remotes' store files are checked like the store's own first (a foreign file is refused untouched; a push
    // cuts a pusher's torn commit).
    remoteAdd: async (state: State, args: { name: string; url: string }): Promise<null> => {
      if (typeof args?.url === 'string') refuseSelfRemote(state.options.path, String(args.name), args.url);
      return versioning.remoteAdd(state, args);
    },
    push: async (state: State, args: { remote: string; branch: string }): Promise<null> => {
      const creating = await prepareRemote(state, args.remote, 'repair');
      await versioning.push(state, args);
      if (creating !== null) remoteCreated(creating);
      return null;
    },
    fetch: async (state: State, args: { remote: string; branch?: string }): Promise<null> => {
      await prepareRemote(state, args.remote, 'report');
      return versioning.fetch(state, args);
    },
    pull: async (state: State, args: { remote: string; branch: string }): Promise<MergeOutcome> => {
      await prepareRemote(state, args.remote, 'report');
      return versioning.pull(state, args);
    },
  },
  async close(state: State): Promise<void> {
    // Every commit is already on disk: closing only releases the engine.
    await state.engine.close();
  },
});
