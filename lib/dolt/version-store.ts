/**
 * The version-store interface the sync layer uses. Two implementations: DoltLite (embedded, the default) and
 * a mysql2 store for a Dolt sql-server (or MySQL/MariaDB). Both keep the tables described in DESIGN.md:
 * `collections`, `documents`, `document_sync_log`.
 */

/** A document as the version store keeps it (one row per document, not per chunk). */
export interface DocumentRecord {
  docId: string;
  content: string;
  /** SHA-256 of `content` (UTF-8), lowercase hex. */
  contentHash: string;
  metadata: Record<string, unknown>;
}

/** A set of changes to one collection, written in one transaction and committed together. */
export interface ChangeSet {
  collection: string;
  /** Documents added or modified. */
  upserts: DocumentRecord[];
  /** Ids of documents deleted. */
  deletes: string[];
  /** The commit message. */
  message: string;
}

export interface CommitInfo {
  /** A Dolt commit hash, or (on a server without Dolt) the id of the row in the commit log table. */
  hash: string;
  message: string;
  committer: string;
  date: string;
}

export interface TableStatus {
  table: string;
  staged: boolean;
  status: string;
}

export interface DocumentChange {
  docId: string;
  collection: string;
  type: 'added' | 'modified' | 'removed';
  fromHash: string | null;
  toHash: string | null;
}

export interface VersionStore {
  /** `doltlite` (embedded), `dolt` (a Dolt sql-server) or `mysql` (MySQL/MariaDB without Dolt). */
  readonly dialect: 'doltlite' | 'dolt' | 'mysql';
  /** Records the collection (idempotent). */
  ensureCollection(name: string, metadata?: Record<string, unknown>): Promise<void>;
  /** Every document id of the collection with its content hash, in one query. */
  documentHashes(collection: string): Promise<Map<string, string>>;
  /** Which of `ids` exist in the collection: one query per chunk; none for no ids. */
  existing(collection: string, ids: string[]): Promise<Set<string>>;
  /** Whether one document exists; concurrent calls share one `existing` query per chunk. */
  exists(collection: string, id: string): Promise<boolean>;
  /**
   * Writes the changes and their sync-log rows in one transaction, then commits (a Dolt commit where there is
   * Dolt). On failure nothing is written. Returns the commit's hash, or null when there was nothing to commit.
   */
  commitChanges(changes: ChangeSet): Promise<string | null>;
  /** Commits, newest first. */
  log(limit?: number): Promise<CommitInfo[]>;
  /** The newest commit's hash (HEAD of the active branch), or null when there is none. */
  head(): Promise<string | null>;
  /** Tables with uncommitted changes (Dolt's `dolt_status`); empty on a server without Dolt. */
  status(): Promise<TableStatus[]>;
  /** Documents changed by a commit relative to its parent (or between two commits of a linear history). */
  diff(toCommit: string, fromCommit?: string): Promise<DocumentChange[]>;
  activeBranch(): Promise<string>;
  createBranch(name: string): Promise<void>;
  checkout(name: string): Promise<void>;
  /** SQL statements run since the store was opened (tests assert operation counts with it). */
  queryCount(): Promise<number>;
  close(): Promise<void>;
}
