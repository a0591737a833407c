/**
 * The version-store interface the sync layer uses. Two implementations: DoltLite (embedded, the default) and
 * a mysql2 store for a Dolt sql-server (or MySQL/MariaDB). Both keep the same tables:
 * `collections`, `documents`, `document_sync_log`.
 */

/**
 * The longest document id, in characters (Unicode code points), on every store. Together with
 * {@link MAX_COLLECTION_NAME_LENGTH} it fills the 3,072 bytes InnoDB allows for the `(doc_id, collection_name)`
 * primary key in utf8mb4 (4 bytes a character), so the same ids work on DoltLite, MySQL, MariaDB and Dolt.
 */
export const MAX_ID_LENGTH = 512;
/** The longest collection name, in characters, on every store (Chroma's own rule is 3-512 ASCII characters). */
export const MAX_COLLECTION_NAME_LENGTH = 256;
/** The longest commit message, in UTF-8 bytes (a MySQL `TEXT` column). */
export const MAX_MESSAGE_BYTES = 65_535;

/** A document as the version store keeps it (one row per document, not per chunk). */
export interface DocumentRecord {
  docId: string;
  content: string;
  /** The document's version hash (its text and its own metadata; see lib/sync/hashing.ts), lowercase hex. */
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

/** One part of a streamed change set: some of its upserts and deletions. */
export interface ChangeBatch {
  /** Documents added or modified. @default [] */
  upserts?: DocumentRecord[];
  /** Ids of documents deleted. @default [] */
  deletes?: string[];
}

/**
 * A change set to one collection that arrives in parts, for change sets too large to hold at once: every part
 * is written into the same transaction, and the whole is committed once (one commit, one set of sync-log rows),
 * exactly as {@link ChangeSet} would be.
 */
export interface StreamedChangeSet {
  collection: string;
  /** The commit message. */
  message: string;
  /**
   * The parts, read one at a time: each is validated and written before the next is asked for, so the store
   * holds one part at a time. An id may appear once in the whole stream. Empty parts are skipped; a stream with
   * no changes commits nothing (and opens no transaction).
   */
  batches: AsyncIterable<ChangeBatch> | Iterable<ChangeBatch>;
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
  /**
   * The largest document (content plus metadata JSON, in UTF-8 bytes) the store always accepts, or undefined
   * when only memory limits it. A server store derives it from the server's packet limit; larger documents are
   * refused with DocumentTooLargeError before anything is written.
   */
  readonly maxDocumentBytes?: number;
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
   * Dolt). The change set is validated first (`validateChangeSet`): a bad one is refused with
   * InvalidChangeError and the store is not touched. On failure nothing is written. Returns the commit's hash, or null when there was nothing to commit.
   */
  commitChanges(changes: ChangeSet): Promise<string | null>;
  /**
   * Writes a change set that arrives in parts (see {@link StreamedChangeSet}) in one transaction and commits it
   * once, with the guarantees of {@link commitChanges}: each part is validated before it is written, and any
   * failure (a bad part, a database or engine error, the engine process dying, the source throwing) rolls back
   * everything written so far and rejects (with the source's own error when the source threw); the store stays
   * usable with its history unchanged. While the transaction is open, the store's other calls wait for it to
   * end (DoltLite), or run on other connections that cannot see its rows and commit after it (server stores).
   * Returns the commit's hash, or null when the stream held no change.
   */
  commitStream(changes: StreamedChangeSet): Promise<string | null>;
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
