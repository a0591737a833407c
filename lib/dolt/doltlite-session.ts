/**
 * The embedded version store: DoltLite (DoltHub's SQLite with Dolt version control, WebAssembly build) in an
 * owner thread. The engine is synchronous and CPU-bound, so it never runs on the main thread.
 *
 * With a path, the database is a file on disk reached through a VFS over `node:fs` (vfs/node-fs-vfs.ts): a
 * commit appends its new chunks and a root record and syncs, so it costs the size of the change, and opening
 * reads only the header, index and what queries touch. Without a path, it lives in memory.
 *
 * Before the engine sees the file, doltlite-file.ts checks that it is a DoltLite store (anything else is
 * refused untouched) and deals with a commit torn by a crash. The main thread holds the path lock.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { defineSession } from '../session.js';
import { loadDoltLite, type DoltLiteDb as Db, type DoltLiteSqlite3 as Sqlite3 } from './doltlite-wasm-types.js';
import { checkBranchName, storeArgumentError, storeError } from './errors.js';
import { prepareStoreFile, type TornTailPolicy } from './doltlite-file.js';
import { readActiveBranch, writeActiveBranch } from './doltlite-branch-file.js';
import { installNodeFsVfs, NODE_FS_VFS, type VfsDiagnostics } from './vfs/node-fs-vfs.js';
import { foldDiffRows, type DiffRow } from './diff-fold.js';
import { isoDate } from './commit-date.js';
import { doltLiteVersioningOps } from './doltlite-versioning.js';
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
  sqlite3: Sqlite3;
  db: Db;
  options: DoltLiteOwnerOptions;
  queries: number;
  vfs: VfsDiagnostics;
  /** The store file did not exist before this open. */
  created: boolean;
  /** The branch last written beside the store (undefined: none yet). */
  recordedBranch?: string;
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

/** Runs SQL, counting it, and turns SQLite errors into typed store errors (without the SQL text). */
function run<T>(state: State, work: (db: Db) => T): T {
  state.queries++;
  state.vfs.lastError = null;
  try {
    return work(state.db);
  } catch (error) {
    const e = error as Error & { resultCode?: number };
    const constraint = e.resultCode !== undefined && (e.resultCode & 0xff) === 19; // SQLITE_CONSTRAINT
    // For a file error the engine reports only a result code; the system's reason (ENOSPC, EACCES) is the VFS's.
    const io = state.vfs.lastError;
    throw storeError(constraint, io ? `${e.message} (${io})` : e.message, e.resultCode);
  }
}

function select<T>(state: State, sql: string, bind: unknown[] = []): T[] {
  return run(state, (db) => db.selectObjects(sql, bindable(bind)) as T[]);
}

function value<T>(state: State, sql: string, bind: unknown[] = []): T {
  return run(state, (db) => db.selectValue(sql, bindable(bind)) as T);
}

export function exec(state: State, sql: string, bind: unknown[] = []): void {
  run(state, (db) => db.exec({ sql, bind: bindable(bind) }));
}

/** The engine rejects an empty bind list for a statement without parameters. */
function bindable(bind: unknown[] | undefined): unknown[] | undefined {
  return bind && bind.length > 0 ? bind : undefined;
}

function openDatabase(sqlite3: Sqlite3, options: DoltLiteOwnerOptions): { db: Db; created: boolean; afterCrash: boolean } {
  if (!options.path) return { db: new sqlite3.oo1.DB(':memory:'), created: true, afterCrash: false };
  // The first open of a store's life repairs a torn commit only if the previous holder died; a restart of this
  // store's own owner (its previous thread crashed or was terminated) may always repair its own torn commit.
  const restarted = options.opens ? Atomics.add(new Int32Array(options.opens), 0, 1) > 0 : false;
  const afterCrash = Boolean(options.repairTornTail) || restarted;
  const file = prepareStoreFile(options.path, afterCrash ? 'repair' : 'refuse');
  return { db: new sqlite3.oo1.DB({ filename: options.path, vfs: NODE_FS_VFS }), created: !file.exists, afterCrash };
}

/**
 * After a crash the store reopens exactly at its last commit. `dolt_commit` first saves the transaction's
 * rows as the working set and then the commit, two appends: a crash between them would leave the rows of a
 * commit that never happened looking like uncommitted work (and detection would take them for synced). Every
 * document write of this store commits, so a dirty working set after a crash is such a remnant (or an
 * uncommitted collection record, which the next commit of that collection writes again): it is reset.
 */
function discardUncommittedAfterCrash(state: State): void {
  if (hasUncommittedChanges(state)) value(state, "SELECT dolt_reset('--hard')");
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
function prepareRemote(state: State, remote: string, policy: TornTailPolicy): void {
  const url = value<string | undefined>(state, 'SELECT url FROM dolt_remotes WHERE name = ?', [remote]);
  if (!url) throw storeArgumentError(`unknown remote ${JSON.stringify(remote)}`);
  if (!url.startsWith('file://')) return;
  const path = url.slice('file://'.length);
  prepareStoreFile(path, policy);
  // The engine does not create a missing folder for a remote's first push.
  if (policy === 'repair') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
}

/** Checks out the branch recorded at the last checkout, if it still exists. */
function restoreActiveBranch(state: State): void {
  if (!state.options.path) return;
  const branch = readActiveBranch(state.options.path);
  state.recordedBranch = branch ?? undefined;
  if (!branch || branch === value<string>(state, 'SELECT active_branch()')) return;
  if (value<number>(state, 'SELECT count(*) FROM dolt_branches WHERE name = ?', [branch]) > 0) {
    value(state, 'SELECT dolt_checkout(?)', [branch]);
  }
}

/** Records the active branch beside the store when it changed (a checkout, or a versioning operation). */
function recordActiveBranch(state: State): void {
  if (!state.options.path) return;
  const branch = value<string>(state, 'SELECT active_branch()');
  if (branch === state.recordedBranch) return;
  writeActiveBranch(state.options.path, branch);
  state.recordedBranch = branch;
}

function hasUncommittedChanges(state: State): boolean {
  return value<number>(state, 'SELECT count(*) FROM dolt_status') > 0;
}

/**
 * Runs `work` and the Dolt commit as one SQL transaction: if the commit itself fails (an empty message, a
 * disk error), the rows written are rolled back too and the store is exactly as before; a retry commits all.
 * DoltLite's `dolt_commit` ends the transaction it runs in when it succeeds.
 */
function commitAtomically(state: State, message: string, work: () => void): string | null {
  if (typeof message !== 'string' || message.trim() === '') throw storeArgumentError('a commit needs a message');
  exec(state, 'BEGIN');
  try {
    work();
    const hash = hasUncommittedChanges(state) ? value<string>(state, "SELECT dolt_commit('-A', '-m', ?)", [message]) : null;
    if (inTransaction(state)) exec(state, 'COMMIT');
    return hash;
  } catch (error) {
    if (inTransaction(state)) {
      try {
        exec(state, 'ROLLBACK');
      } catch {
        // The failed statement may have ended the transaction already.
      }
    }
    throw error;
  }
}

function inTransaction(state: State): boolean {
  return state.sqlite3.capi.sqlite3_get_autocommit(state.db.pointer!) === 0;
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
  async open(options: DoltLiteOwnerOptions): Promise<State> {
    const sqlite3 = await loadDoltLite();
    const vfs = installNodeFsVfs(sqlite3);
    const { db, created, afterCrash } = openDatabase(sqlite3, options);
    const state: State = { sqlite3, db, options, queries: 0, vfs, created };
    try {
      if (afterCrash) discardUncommittedAfterCrash(state);
      if (options.cloneFrom && created) value(state, 'SELECT dolt_clone(?)', [remoteUrl(options.cloneFrom)]);
      // Only a store without the tables gets the schema commit: reopening must not commit whatever the working
      // set holds (an ensureCollection not yet committed, say) under the schema's name.
      const tables = value<number>(
        state,
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('collections', 'documents', 'document_sync_log')",
      );
      if (tables < SCHEMA.length) {
        commitAtomically(state, 'Create session-executor schema', () => {
          for (const statement of SCHEMA) exec(state, statement);
        });
      }
      restoreActiveBranch(state);
    } catch (error) {
      state.db.close();
      throw error;
    }
    state.queries = 0;
    return state;
  },
  ops: {
    ...versioning,
    dialect: (): 'doltlite' => 'doltlite',
    queries: (state: State): number => state.queries,

    ensureCollection: (state: State, args: { name: string; metadata?: Record<string, unknown> }): null => {
      exec(state, 'INSERT INTO collections (name, metadata) VALUES (?, ?) ON CONFLICT(name) DO NOTHING', [
        args.name,
        JSON.stringify(args.metadata ?? {}),
      ]);
      return null;
    },

    documentHashes: (state: State, collection: string): Map<string, string> => {
      const rows = select<{ doc_id: string; content_hash: string }>(
        state,
        'SELECT doc_id, content_hash FROM documents WHERE collection_name = ?',
        [collection],
      );
      return new Map(rows.map((row) => [row.doc_id, row.content_hash]));
    },

    existing: (state: State, args: { collection: string; ids: string[] }): string[] => {
      const found: string[] = [];
      for (let start = 0; start < args.ids.length; start += IDS_PER_QUERY) {
        const rows = select<{ doc_id: string }>(
          state,
          'SELECT doc_id FROM documents WHERE collection_name = ? AND doc_id IN (SELECT value FROM json_each(?))',
          [args.collection, JSON.stringify(args.ids.slice(start, start + IDS_PER_QUERY))],
        );
        for (const row of rows) found.push(row.doc_id);
      }
      return found;
    },

    /** One transaction: documents, deletions, sync-log rows and the Dolt commit, all or nothing. */
    commitChanges: (state: State, changes: ChangeSet): string | null => {
      const upserts = JSON.stringify(
        changes.upserts.map((d) => [d.docId, d.content, d.contentHash, JSON.stringify(d.metadata ?? {})]),
      );
      const deletes = JSON.stringify(changes.deletes);
      return commitAtomically(state, changes.message, () => {
        exec(state, 'INSERT INTO collections (name) VALUES (?) ON CONFLICT(name) DO NOTHING', [changes.collection]);
        if (changes.upserts.length > 0) {
          // Which upserts are new, before writing them, for the sync log.
          exec(
            state,
            `INSERT INTO document_sync_log (doc_id, collection_name, operation, content_hash)
             SELECT json_extract(j.value, '$[0]'), ?1,
                    CASE WHEN d.doc_id IS NULL THEN 'added' ELSE 'modified' END, json_extract(j.value, '$[2]')
             FROM json_each(?2) AS j
             LEFT JOIN documents AS d ON d.collection_name = ?1 AND d.doc_id = json_extract(j.value, '$[0]')`,
            [changes.collection, upserts],
          );
          exec(
            state,
            `INSERT INTO documents (doc_id, collection_name, content, content_hash, metadata)
             SELECT json_extract(value, '$[0]'), ?1, json_extract(value, '$[1]'), json_extract(value, '$[2]'),
                    json_extract(value, '$[3]')
             FROM json_each(?2) WHERE true
             ON CONFLICT (doc_id, collection_name) DO UPDATE SET
               content = excluded.content, content_hash = excluded.content_hash, metadata = excluded.metadata,
               updated_at = CURRENT_TIMESTAMP`,
            [changes.collection, upserts],
          );
        }
        if (changes.deletes.length > 0) {
          exec(
            state,
            `INSERT INTO document_sync_log (doc_id, collection_name, operation, content_hash)
             SELECT value, ?1, 'deleted', NULL FROM json_each(?2)`,
            [changes.collection, deletes],
          );
          exec(state, 'DELETE FROM documents WHERE collection_name = ? AND doc_id IN (SELECT value FROM json_each(?))', [
            changes.collection,
            deletes,
          ]);
        }
      });
    },

    /** Commits whatever the working set holds (null when it is clean). */
    commit: (state: State, message: string): string | null => commitAtomically(state, message, () => {}),

    log: (state: State, limit: number): CommitInfo[] =>
      select<CommitInfo>(
        state,
        // dolt_log lists newest first; dates have one-second resolution, so they cannot order commits.
        'SELECT commit_hash AS hash, message, committer, date FROM dolt_log LIMIT ?',
        [limit],
      ).map((commit) => ({ ...commit, date: isoDate(commit.date) })),

    diff: (state: State, args: { to: string; from?: string }): DocumentChange[] => {
      // dolt_diff_documents holds each commit's changes against its parent. For a range of a linear history,
      // fold the commits between `from` (exclusive) and `to` (inclusive), oldest first.
      const commits = select<{ hash: string }>(state, 'SELECT commit_hash AS hash FROM dolt_log');
      const order = commits.map((c) => c.hash);
      const end = order.indexOf(args.to);
      if (end < 0) throw storeArgumentError(`unknown commit ${args.to}`);
      const start = args.from === undefined ? end + 1 : order.indexOf(args.from);
      if (start < end) throw storeArgumentError(`commit ${args.from} is not an ancestor of ${args.to}`);
      const range = order.slice(end, start).reverse();
      const rows = select<DiffRow>(
        state,
        `SELECT to_commit, from_doc_id, to_doc_id, from_collection_name, to_collection_name, from_content_hash,
                to_content_hash
         FROM dolt_diff_documents WHERE to_commit IN (SELECT value FROM json_each(?))`,
        [JSON.stringify(range)],
      );
      return foldDiffRows(rows, range);
    },

    status: (state: State): TableStatus[] =>
      select<{ table_name: string; staged: number; status: string }>(state, 'SELECT table_name, staged, status FROM dolt_status').map(
        (row) => ({ table: row.table_name, staged: Boolean(row.staged), status: row.status }),
      ),

    activeBranch: (state: State): string => value<string>(state, 'SELECT active_branch()'),

    createBranch: (state: State, name: string): null => {
      checkBranchName(name);
      value(state, 'SELECT dolt_branch(?)', [name]);
      return null;
    },

    checkout: (state: State, name: string): null => {
      checkBranchName(name);
      value(state, 'SELECT dolt_checkout(?)', [name]);
      recordActiveBranch(state);
      return null;
    },

    branches: (state: State): string[] =>
      select<{ name: string }>(state, 'SELECT name FROM dolt_branches ORDER BY name').map((row) => row.name),

    // The versioning operations' remotes reach the disk through this store's VFS; their store files are checked
    // like the store's own first (a foreign file is refused untouched; a push cuts a pusher's torn commit).
    push: (state: State, args: { remote: string; branch: string }): null => {
      prepareRemote(state, args.remote, 'repair');
      return versioning.push(state, args);
    },
    fetch: (state: State, args: { remote: string; branch?: string }): null => {
      prepareRemote(state, args.remote, 'report');
      return versioning.fetch(state, args);
    },
    pull: (state: State, args: { remote: string; branch: string }): MergeOutcome => {
      prepareRemote(state, args.remote, 'report');
      return versioning.pull(state, args);
    },
  },
  close(state: State): void {
    // Every commit is already on disk: closing only releases the engine's handles.
    state.db.close();
  },
});
