/**
 * The embedded version store: DoltLite (DoltHub's SQLite with Dolt version control, WebAssembly build) in an
 * owner thread. The engine is synchronous and CPU-bound, so it never runs on the main thread.
 *
 * In Node the WASM engine keeps the database in memory; the store loads a snapshot file on open and writes one
 * (atomically) after every commit and on close. The snapshot carries the whole Dolt history and branches, so a
 * crash loses at most the uncommitted working set.
 */
import { defineSession } from '../session.js';
import { loadDoltLite, type DoltLiteDb as Db, type DoltLiteSqlite3 as Sqlite3 } from './doltlite-wasm-types.js';
import { checkBranchName, storeArgumentError, storeError } from './errors.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import { foldDiffRows, type DiffRow } from './diff-fold.js';
import { isoDate } from './commit-date.js';
import { doltLiteVersioningOps } from './doltlite-versioning.js';
import type { ChangeSet, CommitInfo, DocumentChange, TableStatus } from './version-store.js';

export interface DoltLiteOptions {
  /** The snapshot file (loaded on open, rewritten atomically after each commit and on close). @default none: in memory only */
  path?: string;
}

const SQLITE_DONE = 101;

/** Ids per lookup query; json_each takes any number, this only bounds one statement's memory. */
const IDS_PER_QUERY = 50_000;

export interface State {
  sqlite3: Sqlite3;
  db: Db;
  options: DoltLiteOptions;
  queries: number;
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
  try {
    return work(state.db);
  } catch (error) {
    const e = error as Error & { resultCode?: number };
    const constraint = e.resultCode !== undefined && (e.resultCode & 0xff) === 19; // SQLITE_CONSTRAINT
    throw storeError(constraint, e.message, e.resultCode);
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

function openDatabase(sqlite3: Sqlite3, snapshot: Uint8Array | null): Db {
  const db = new sqlite3.oo1.DB(':memory:');
  if (!snapshot) return db;
  // A deserialized database reads fine but cannot be serialized again in DoltLite (export fails with
  // SQLITE_ERROR), so the snapshot is deserialized into a staging database and copied into a plain in-memory
  // one with the backup API: rows, Dolt history and branches all come along.
  const staging = new sqlite3.oo1.DB(':memory:');
  try {
    const pointer = sqlite3.wasm.allocFromTypedArray(snapshot);
    const flags = sqlite3.capi.SQLITE_DESERIALIZE_FREEONCLOSE | sqlite3.capi.SQLITE_DESERIALIZE_RESIZEABLE;
    const rc = sqlite3.capi.sqlite3_deserialize(staging.pointer!, 'main', pointer, snapshot.length, snapshot.length, flags);
    if (rc !== 0) throw storeError(false, `the snapshot could not be loaded (sqlite code ${rc})`, rc);
    const backup = sqlite3.capi.sqlite3_backup_init(db.pointer!, 'main', staging.pointer!, 'main');
    const stepped = sqlite3.capi.sqlite3_backup_step(backup, -1);
    const finished = sqlite3.capi.sqlite3_backup_finish(backup);
    if (stepped !== SQLITE_DONE || finished !== 0) {
      throw storeError(false, `the snapshot could not be copied (sqlite codes ${stepped}, ${finished})`, stepped);
    }
  } catch (error) {
    db.close();
    throw error;
  } finally {
    staging.close();
  }
  return db;
}

/** Writes the snapshot (when the store has a path); returns its size in bytes, 0 when there is no path. */
function saveSnapshot(state: State): number {
  if (!state.options.path) return 0;
  const bytes = state.sqlite3.capi.sqlite3_js_db_export(state.db.pointer!);
  writeSnapshot(state.options.path, bytes);
  return bytes.length;
}

function hasUncommittedChanges(state: State): boolean {
  return value<number>(state, 'SELECT count(*) FROM dolt_status') > 0;
}

function commit(state: State, message: string): string | null {
  if (!hasUncommittedChanges(state)) return null;
  const hash = value<string>(state, "SELECT dolt_commit('-A', '-m', ?)", [message]);
  saveSnapshot(state);
  return hash;
}

function inTransaction<T>(state: State, work: () => T): T {
  exec(state, 'BEGIN');
  try {
    const result = work();
    exec(state, 'COMMIT');
    return result;
  } catch (error) {
    try {
      exec(state, 'ROLLBACK');
    } catch {
      // The failed statement may have ended the transaction already.
    }
    throw error;
  }
}

export default defineSession({
  async open(options: DoltLiteOptions): Promise<State> {
    const sqlite3 = await loadDoltLite();
    const snapshot = options.path ? readSnapshot(options.path) : null;
    const state: State = { sqlite3, db: openDatabase(sqlite3, snapshot), options, queries: 0 };
    for (const statement of SCHEMA) exec(state, statement);
    commit(state, 'Create session-executor schema');
    state.queries = 0;
    return state;
  },
  ops: {
    ...doltLiteVersioningOps((state: State) => ({
      select: (sql, bind) => select(state, sql, bind),
      value: (sql, bind) => value(state, sql, bind),
      exec: (sql, bind) => exec(state, sql, bind),
      persist: () => void saveSnapshot(state),
    })),
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

    /** One transaction: documents, deletions, sync-log rows; then one Dolt commit and a snapshot. */
    commitChanges: (state: State, changes: ChangeSet): string | null => {
      const upserts = JSON.stringify(
        changes.upserts.map((d) => [d.docId, d.content, d.contentHash, JSON.stringify(d.metadata ?? {})]),
      );
      const deletes = JSON.stringify(changes.deletes);
      inTransaction(state, () => {
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
      return commit(state, changes.message);
    },

    commit: (state: State, message: string): string | null => commit(state, message),

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
      saveSnapshot(state);
      return null;
    },

    checkout: (state: State, name: string): null => {
      checkBranchName(name);
      value(state, 'SELECT dolt_checkout(?)', [name]);
      saveSnapshot(state);
      return null;
    },

    branches: (state: State): string[] =>
      select<{ name: string }>(state, 'SELECT name FROM dolt_branches ORDER BY name').map((row) => row.name),

    /** Writes the snapshot now; returns its size and how long the export and the atomic write took. */
    saveSnapshot: (state: State): { bytes: number; ms: number } => {
      const started = performance.now();
      const bytes = saveSnapshot(state);
      return { bytes, ms: performance.now() - started };
    },
  },
  close(state: State): void {
    try {
      saveSnapshot(state);
    } finally {
      state.db.close();
    }
  },
});
