/** Typed errors of the repository façade; each has a stable `code`. */
import { SessionExecutorError } from '../errors.js';

/** One pending local change, as listed in {@link UncommittedChangesError}. */
export interface PendingChange {
  collection: string;
  /** A document id, or null for a change to the collection itself. */
  docId: string | null;
  type: 'added' | 'modified' | 'deleted' | 'incomplete' | 'collection-created' | 'collection-deleted' | 'collection-metadata';
}

/** Chroma has changes that are not committed, and the operation would overwrite them. */
export class UncommittedChangesError extends SessionExecutorError {
  constructor(
    readonly operation: string,
    /** The pending changes (ids only, never content). */
    readonly changes: PendingChange[],
  ) {
    super(
      'ERR_UNCOMMITTED_CHANGES',
      `${operation}: ${changes.length} uncommitted change(s) in Chroma; commit, discard or carry them`,
    );
  }
}

/** Carried local changes touch documents the checkout target changes too. Nothing was written. */
export class CarryConflictError extends SessionExecutorError {
  constructor(readonly conflicts: PendingChange[]) {
    super('ERR_CARRY_CONFLICT', `${conflicts.length} local change(s) conflict with the checkout target; nothing was changed`);
  }
}

/** The working copy is a detached checkout of a commit: create a branch before committing. */
export class DetachedHeadError extends SessionExecutorError {
  constructor(
    readonly operation: string,
    readonly commit: string,
  ) {
    super('ERR_DETACHED_HEAD', `${operation}: the working copy is at commit ${commit.slice(0, 12)}, not on a branch; create a branch first`);
  }
}

/** A merge with conflicts is open: resolve every conflict or abort it first. */
export class MergeInProgressError extends SessionExecutorError {
  constructor(readonly operation: string) {
    super('ERR_MERGE_IN_PROGRESS', `${operation}: a merge is open; resolve its conflicts or abort it first`);
  }
}

/** A name or argument the repository cannot use (reserved branch name, unknown conflict, ...). */
export class RepositoryArgumentError extends SessionExecutorError {
  constructor(message: string) {
    super('ERR_REPOSITORY_ARGUMENT', message);
  }
}

/** The working copy's state file cannot be read: not JSON, or not the shape this library writes. */
export class RepositoryStateError extends SessionExecutorError {
  constructor(readonly path: string, reason: string) {
    super(
      'ERR_REPOSITORY_STATE',
      `the repository state file ${path} is damaged (${reason}); move it aside to start over on the store's current branch (a refresh that was in progress is then not finished)`,
    );
  }
}

/**
 * A commit holds something Chroma cannot hold as committed (a collection name Chroma refuses, metadata that is
 * not scalar, a metadata key Chroma refuses): it was written to the store without going through Chroma. Found
 * before Chroma is written: Chroma and the branch are left as they were (a merge, revert or pull that moved the
 * branch is undone). `cause` is the check that failed.
 */
export class CommitNotCheckoutableError extends SessionExecutorError {
  constructor(
    readonly operation: string,
    readonly commit: string,
    /** The collection, and the document when it is one document, that Chroma cannot hold. */
    readonly collection: string,
    readonly docId: string | null,
    cause: unknown,
  ) {
    const what = docId === null ? `collection ${JSON.stringify(collection)}` : `document ${JSON.stringify(docId)} of collection ${JSON.stringify(collection)}`;
    const why = (cause instanceof Error ? cause.message : String(cause)).replace(/^document \d+: /, '');
    super(
      'ERR_COMMIT_NOT_CHECKOUTABLE',
      `${operation}: commit ${commit.slice(0, 12)} holds ${what}, which Chroma cannot hold (${why}); Chroma and the branch were left as they were`,
      { cause },
    );
  }
}

/**
 * A clone was refused before anything was written: Chroma already holds records (`target: 'chroma'`, `names`
 * the collections holding them), or the store's branch holds commits the clone would replace
 * (`target: 'store'`, `names` the branch). A clone fills a new working copy; it never mixes local records with
 * the cloned ones or drops local history.
 */
export class CloneTargetNotEmptyError extends SessionExecutorError {
  constructor(
    readonly target: 'chroma' | 'store',
    readonly names: string[],
  ) {
    super(
      'ERR_CLONE_TARGET_NOT_EMPTY',
      target === 'chroma'
        ? `clone: Chroma already holds records in ${names.map((n) => JSON.stringify(n)).join(', ')}; clone into an empty Chroma (nothing was changed)`
        : `clone: branch ${JSON.stringify(names[0])} of the store holds commits the clone would replace; clone into a new store (nothing was changed)`,
    );
  }
}
