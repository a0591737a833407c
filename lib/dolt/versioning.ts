/**
 * Version control beyond commits: branches, refs, merges with per-document conflicts, resets, reverts, tags,
 * reads from history and remotes. The sync layer only needs {@link VersionStore}; the repository façade needs
 * this too. DoltLite implements it with Dolt's SQL functions, a Dolt sql-server with Dolt's procedures; a
 * MySQL/MariaDB server without Dolt has no versions and refuses every operation with
 * `UnsupportedOperationError`.
 */
import { SessionExecutorError } from '../errors.js';

/** A branch with its head commit. */
export interface BranchInfo {
  name: string;
  /** The commit the branch points at. */
  head: string;
  /** The head commit's message. */
  message: string;
}

/** A document as a commit holds it. */
export interface StoredDocument {
  collection: string;
  docId: string;
  content: string;
  contentHash: string;
  metadata: Record<string, unknown>;
}

/** A collection as a commit holds it. */
export interface StoredCollection {
  name: string;
  metadata: Record<string, unknown>;
}

/** A document that differs between two commits; `to` is null when it was removed, `from` when added. */
export interface DocumentDelta {
  collection: string;
  docId: string;
  fromHash: string | null;
  to: StoredDocument | null;
}

/** A collection that differs between two commits. */
export interface CollectionDelta {
  name: string;
  type: 'added' | 'removed' | 'modified';
  /** The collection's metadata in the later commit (null when removed). */
  metadata: Record<string, unknown> | null;
}

/** Everything that differs between two commits. */
export interface CommitDelta {
  documents: DocumentDelta[];
  collections: CollectionDelta[];
}

/** One document both sides of a merge changed differently. Hashes are null where the side has no document. */
export interface MergeConflict {
  collection: string;
  docId: string;
  baseHash: string | null;
  oursHash: string | null;
  theirsHash: string | null;
}

export interface MergeOutcome {
  /** `up-to-date` (nothing to merge), `fast-forward`, `merged` (a merge commit), `conflicts` (nothing committed yet). */
  status: 'up-to-date' | 'fast-forward' | 'merged' | 'conflicts';
  /** HEAD before the merge. */
  before: string;
  /** HEAD after the merge (equal to `before` while conflicts are open). */
  after: string;
  conflicts: MergeConflict[];
}

export interface TagInfo {
  name: string;
  commit: string;
  message: string;
}

export interface RemoteInfo {
  name: string;
  url: string;
}

/** The changes a stage-all writes in one transaction and one commit. */
export interface StageAllChanges {
  /** Collections created or given new metadata. */
  upsertCollections: StoredCollection[];
  /** Collections deleted: their row and every document in them go. */
  deleteCollections: string[];
  /** Documents added or modified. */
  upsertDocuments: StoredDocument[];
  /** Documents deleted, by collection. */
  deleteDocuments: Array<{ collection: string; docId: string }>;
  message: string;
}

export interface VersioningStore {
  /** The commit a branch, tag, commit hash or `HEAD~n` names. Rejects with `StoreArgumentError` when unknown. */
  resolve(ref: string): Promise<string>;
  branches(): Promise<BranchInfo[]>;
  activeBranch(): Promise<string>;
  /** Creates a branch at `from` (a ref; default HEAD). */
  createBranch(name: string, from?: string): Promise<void>;
  /** Refuses the current branch, and a branch not merged into the current one unless `force`. */
  deleteBranch(name: string, force?: boolean): Promise<void>;
  renameBranch(from: string, to: string, force?: boolean): Promise<void>;
  /** Makes `name` the store's active branch (the store only; the repository refreshes Chroma). */
  switchBranch(name: string): Promise<void>;
  /** What differs between two refs (documents with their content in `to`). */
  delta(from: string, to: string): Promise<CommitDelta>;
  /** Documents of a ref; only `collection` when given, only `docIds` when given. */
  documentsAt(ref: string, options?: { collection?: string; docIds?: string[] }): Promise<StoredDocument[]>;
  collectionsAt(ref: string): Promise<StoredCollection[]>;
  /**
   * Per collection of the working branch: its documents and the chunks they make in Chroma (windows of `size`
   * characters overlapping by `overlap`), counted by the store in one query without reading any text out.
   */
  chunkTotals(size: number, overlap: number): Promise<Map<string, { documents: number; chunks: number }>>;
  /** The commit both refs descend from. */
  mergeBase(a: string, b: string): Promise<string>;
  /** Parents of a commit (two for a merge commit), first parent first. */
  parents(commit: string): Promise<string[]>;
  /** Merges `branch` into the active branch. With conflicts, the merge stays open until resolved or aborted. */
  merge(branch: string, message: string): Promise<MergeOutcome>;
  /** The open merge's remaining conflicts (empty when no merge is open). */
  conflicts(): Promise<MergeConflict[]>;
  /** Settles one conflict: keep ours, take theirs, or a new content (`document` with its hash). */
  resolveConflict(collection: string, docId: string, choice: 'ours' | 'theirs' | StoredDocument): Promise<void>;
  /** Commits the open merge once no conflict is left; returns the merge commit. */
  commitMerge(message: string): Promise<string>;
  /** Ends the open merge; the store is as it was before it. */
  abortMerge(): Promise<void>;
  /** Whether a merge is open. */
  merging(): Promise<boolean>;
  /** Moves the active branch to `ref` and discards uncommitted store changes. */
  resetHard(ref: string): Promise<void>;
  /** A new commit undoing `commit`; returns it. */
  revert(commit: string): Promise<string>;
  /** Writes everything in one transaction and makes one commit (null when nothing changed). */
  stageAll(changes: StageAllChanges): Promise<string | null>;
  createTag(name: string, ref?: string, message?: string): Promise<void>;
  tags(): Promise<TagInfo[]>;
  deleteTag(name: string): Promise<void>;
  addRemote(name: string, url: string): Promise<void>;
  removeRemote(name: string): Promise<void>;
  remotes(): Promise<RemoteInfo[]>;
  push(remote: string, branch: string): Promise<void>;
  fetch(remote: string, branch?: string): Promise<void>;
  /** Fetches and merges `remote/branch` into the active branch. */
  pull(remote: string, branch: string): Promise<MergeOutcome>;
}

/** An operation that needs versions on a store without them (MySQL/MariaDB without Dolt). */
export class UnsupportedOperationError extends SessionExecutorError {
  constructor(
    readonly operation: string,
    readonly dialect: string,
  ) {
    super('ERR_UNSUPPORTED_OPERATION', `"${operation}" needs a versioned store (DoltLite or a Dolt server); this one is ${dialect}`);
  }
}
