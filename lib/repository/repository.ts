/**
 * The versioning loop as one object: Chroma is the working copy, the version store its history. Commit what
 * changed in Chroma (every collection, one commit), and go back the other way: check out a branch or an old
 * commit, merge, reset, revert, pull. Each refresh of Chroma writes only the documents that differ between the
 * commit it holds and the target, and is recorded before Chroma is touched, so a crash halfway is finished by
 * the next {@link Repository.open}.
 */
import type { Chroma } from '../chroma/chroma.js';
import type { Metadata } from '../chroma/types.js';
import type { VersionStore, CommitInfo } from '../dolt/version-store.js';
import { DoltLiteStore } from '../dolt/doltlite-store.js';
import { storeArgumentError, StoreArgumentError } from '../dolt/errors.js';
import { versioningFor } from '../dolt/versioning-for.js';
import type {
  BranchInfo,
  CommitDelta,
  DocumentDelta,
  MergeConflict,
  RemoteInfo,
  StoredDocument,
  TagInfo,
  VersioningStore,
} from '../dolt/versioning.js';
import { ChromaDoltSync, type Verify } from '../sync/chroma-dolt-sync.js';
import { documentHash } from '../sync/hashing.js';
import { recordStageFloor, recordStageStart } from '../sync/stage-floor.js';
import { checkMethodOptions, checkName, checkOpenOptions } from './check-arguments.js';
import { checkFactoryToken, checkWholeNumber, FACTORY_TOKEN } from '../check-args.js';
import { checkMessage } from '../dolt/validate-changes.js';
import {
  CarryConflictError,
  CloneTargetNotEmptyError,
  CommitNotCheckoutableError,
  DetachedHeadError,
  MergeInProgressError,
  RepositoryArgumentError,
  UncommittedChangesError,
} from './errors.js';
import { AbortError } from '../errors.js';
import { Cancellation, type VersioningCallOptions } from './cancellation.js';
import { applyRefresh, planRefresh, type RefreshPlan, type RefreshResult } from './refresh.js';
import { StateFile, type RefreshJournal, type RepositoryState } from './state-file.js';
import { commitWorkingCopy } from './stage-all.js';
import { ChunkTotalsCache, pendingChanges, provablyClean, workingCopyStatus, type WorkingCopyStatus } from './working-copy.js';

/** Branches the repository makes for detached checkouts (DoltLite has no detached HEAD); users cannot take it. */
const DETACHED_PREFIX = 'detached/';

export interface RepositoryOptions {
  chroma: Chroma;
  store: VersionStore;
  /**
   * A small file holding the working copy's branch and the journal of a refresh in progress (like `.git/HEAD`).
   * Without it, neither survives a reopen.
   * @default none (in memory)
   */
  statePath?: string;
  /** The sync layer to use. @default a new ChromaDoltSync over `chroma` and `store` */
  sync?: ChromaDoltSync;
  /**
   * How checkout, merge, reset, revert and pull look for uncommitted changes first. `content` runs the full
   * detection (re-hashes every document, so edits made with Chroma directly are found). `flags` first tries a
   * proof that reads no text (no unstaged chunk, chunk counts and collections as committed: two small Chroma
   * operations per collection) and, when that fails, the sync layer's `flags` detection (ids and the unstaged
   * chunks' metadata); it cannot see an edit made with Chroma directly.
   * @default 'content'
   */
  verify?: Verify;
}

/** See {@link RepositoryOptions.verify}: the sync layer's detection levels. */
export type { Verify } from '../sync/chroma-dolt-sync.js';

/** What to do with uncommitted changes in Chroma when the working copy moves to another commit. */
export type IfUncommitted = 'abort' | 'commit' | 'discard' | 'carry';

export type { RepositoryProgress, VersioningCallOptions } from './cancellation.js';

/** Options of {@link Repository.resolve}. */
export interface ResolveOptions extends VersioningCallOptions {
  /** The conflict's collection; needed only when the document id conflicts in more than one. @default the one conflict with that id */
  collection?: string;
  /** The merge commit's message, used when this settles the last conflict. @default `Merge into <branch>` */
  message?: string;
}

export interface CheckoutOptions extends VersioningCallOptions {
  /** Create `target` as a new branch (at `from`) and switch to it. @default false */
  create?: boolean;
  /** Where a created branch starts. @default the current commit */
  from?: string;
  /**
   * Uncommitted changes: `abort` rejects with `UncommittedChangesError` listing them; `commit` commits them on
   * the current branch first; `discard` drops them; `carry` keeps them in Chroma (and rejects with
   * `CarryConflictError`, writing nothing, when the target changes the same documents).
   * @default 'abort'
   */
  ifUncommitted?: IfUncommitted;
  /** The commit message used by `ifUncommitted: 'commit'`. @default 'Commit local changes before checkout' */
  message?: string;
  /** How uncommitted changes are looked for. @default the repository's `verify` */
  verify?: Verify;
}

export interface MergeOptions extends VersioningCallOptions {
  /** The merge commit's message. @default 'Merge <branch> into <current branch>' */
  message?: string;
}

export interface ResetOptions extends VersioningCallOptions {
  /** Also move the current branch to this commit or ref (Chroma follows). @default none: back to the commit Chroma holds */
  hard?: string;
}

export interface CloneOptions extends RepositoryOptions, VersioningCallOptions {
  /** The remote to clone: a URL the store can reach (DoltLite: `file://...`, `http(s)://...`). */
  url: string;
  /** The name the remote is added under. @default 'origin' */
  remote?: string;
  /** The branch to clone (the remote must have it); it becomes the working copy's branch. @default 'main' */
  branch?: string;
}

export interface HeadInfo {
  /** The branch, or null for a detached checkout of a commit. */
  branch: string | null;
  commit: string;
}

export interface CheckoutResult extends RefreshResult {
  head: HeadInfo;
  /** The commit Chroma held before. */
  from: string;
}

export interface MergeResult {
  status: 'up-to-date' | 'fast-forward' | 'merged' | 'conflicts';
  /** The commit made (or fast-forwarded to); null when up to date or conflicting. */
  commit: string | null;
  conflicts: MergeConflict[];
  /** What the refresh of Chroma wrote (zero while conflicts are open). */
  refresh: RefreshResult | null;
}

export interface MergePreview {
  status: 'up-to-date' | 'fast-forward' | 'merge' | 'conflicts';
  /** Documents the merge would change in the current branch (conflicting ones excluded). */
  changes: Array<{ collection: string; docId: string; type: 'added' | 'modified' | 'removed' }>;
  conflicts: MergeConflict[];
}

export interface ResolveResult {
  /** Conflicts still open. */
  remaining: MergeConflict[];
  /** The merge commit, once the last conflict was resolved (the merge is then committed and Chroma refreshed). */
  commit: string | null;
}

export interface ShowResult {
  commit: string;
  parents: string[];
  info: CommitInfo | null;
  changes: DocumentDelta[];
}

const NO_REFRESH: RefreshResult = { written: 0, removed: 0, collectionsCreated: [], collectionsDeleted: [] };

export class Repository {
  /**
   * Opens the repository: puts the store back on the working copy's branch and finishes a refresh that a crash
   * interrupted (Chroma then holds the target commit, never a mix).
   */
  static async open(options: RepositoryOptions): Promise<Repository> {
    checkOpenOptions('Repository.open', options);
    return Repository.openChecked(options);
  }

  private static async openChecked(options: RepositoryOptions): Promise<Repository> {
    const sync = options.sync ?? new ChromaDoltSync(options.chroma, options.store);
    const repository = new Repository(
      options.chroma,
      options.store,
      sync,
      versioningFor(options.store),
      new StateFile(options.statePath ?? null),
      options.verify ?? 'content',
      FACTORY_TOKEN,
    );
    await repository.recover();
    // A restarted DoltLite owner reopens on its default branch (and without an open merge): put the branch back.
    if (options.store instanceof DoltLiteStore) {
      options.store.executor.on('restarted', () => void repository.exclusive(() => repository.recover()).catch(() => {}));
    }
    return repository;
  }

  /**
   * Fills a new working copy from a remote: adds it as `remote`, fetches, puts `branch` on the remote's head and
   * writes every collection of that commit into Chroma.
   *
   * Refused with `CloneTargetNotEmptyError` before anything is written when Chroma holds any record (they would
   * be mixed with the cloned ones and committed with them later), or when the store's `branch` holds commits the
   * remote's branch does not contain (they would be replaced). A new store, or one already cloned from this
   * remote, is fine. Any refusal or failure before Chroma is written removes the remote again.
   */
  static async clone(options: CloneOptions): Promise<Repository> {
    checkOpenOptions('Repository.clone', options);
    if (options.signal?.aborted) throw new AbortError('Repository.clone', 'waiting', options.signal.reason);
    const repository = await Repository.openChecked(options);
    const remote = options.remote ?? 'origin';
    const branch = options.branch ?? 'main';
    // Already this clone (one a crash interrupted after it began filling Chroma, finished by the open above, or
    // one run before): complete, and refusing the Chroma it filled would leave no way to run it to the end.
    if (await repository.isCleanCloneOf(options.url, remote, branch)) return repository;
    await repository.cancellable('clone', options, (cancel) => repository.cloneNow(options.url, remote, branch, cancel));
    return repository;
  }

  /**
   * Whether the working copy is a clone of `url` (added as `remote`) on `branch` at the remote's head, with
   * nothing uncommitted: what the clone would make. Only a store with that remote pays for the fetch and status.
   */
  private async isCleanCloneOf(url: string, remote: string, branch: string): Promise<boolean> {
    if (!(await this.versioning.remotes()).some((r) => r.name === remote && r.url === url)) return false;
    const head = await this.head();
    if (head.branch !== branch) return false;
    await this.versioning.fetch(remote, branch);
    if ((await this.versioning.resolve(`${remote}/${branch}`).catch(() => null)) !== head.commit) return false;
    return (await this.status()).clean;
  }

  private async cloneNow(url: string, remote: string, branch: string, cancel: Cancellation): Promise<void> {
    const filled: string[] = [];
    for (const info of await this.chroma.listCollections()) if ((await this.chroma.count(info.name)) > 0) filled.push(info.name);
    if (filled.length > 0) throw new CloneTargetNotEmptyError('chroma', filled);
    const branches = new Set((await this.versioning.branches()).map((b) => b.name));
    const local = branches.has(branch) ? await this.versioning.resolve(branch) : null;
    const fresh = local === null || (await this.isNewHistory(local));
    cancel.checkpoint();
    await this.versioning.addRemote(remote, url);
    cancel.onUndo(() => this.versioning.removeRemote(remote));
    try {
      await this.versioning.fetch(remote);
      const to = await this.versioning.resolve(`${remote}/${branch}`).catch((error: unknown) => {
        throw error instanceof StoreArgumentError ? storeArgumentError(`the remote has no branch ${JSON.stringify(branch)}`) : error;
      });
      if (!fresh && !(await this.isAncestor(local!, to))) throw new CloneTargetNotEmptyError('store', [branch]);
      const active = await this.versioning.activeBranch();
      if (!branches.has(branch)) {
        await this.versioning.createBranch(branch, to);
        cancel.onUndo(() => this.versioning.deleteBranch(branch, true));
      }
      if (active !== branch) {
        await this.versioning.switchBranch(branch);
        cancel.onUndo(() => this.versioning.switchBranch(active));
      }
      const collections = (await this.versioning.collectionsAt(to)).map((c) => c.name);
      const from = await this.versioning.resolve('HEAD');
      await this.runJournal({ ...EMPTY_LISTS, restoreCollections: collections, operation: 'clone', from, to, branch, storeStep: 'reset' }, undefined, undefined, cancel);
    } catch (error) {
      // Refused or failed before Chroma was written: the store is put back (the remote goes), so a retry can run.
      if (!cancel.passed) await cancel.rollback();
      throw error;
    }
  }

  /** A new store's history: the engine's first commit and the schema commit, holding no collection. */
  private async isNewHistory(commit: string): Promise<boolean> {
    if ((await this.versioning.collectionsAt(commit)).length > 0) return false;
    let current = commit;
    for (let depth = 0; depth < 2; depth++) {
      const parents = await this.versioning.parents(current);
      if (parents.length === 0) return true;
      if (parents.length > 1) return false;
      current = parents[0]!;
    }
    return false;
  }

  private async isAncestor(ancestor: string, of: string): Promise<boolean> {
    return this.versioning.mergeBase(ancestor, of).then((base) => base === ancestor, () => false);
  }

  private state: RepositoryState;
  private readonly chunkTotals = new ChunkTotalsCache();

  private constructor(
    readonly chroma: Chroma,
    readonly store: VersionStore,
    readonly sync: ChromaDoltSync,
    readonly versioning: VersioningStore,
    private readonly stateFile: StateFile,
    private readonly verify: Verify,
    token?: typeof FACTORY_TOKEN,
  ) {
    checkFactoryToken(token, 'Repository', 'Repository.open() or Repository.clone()');
    this.state = stateFile.read();
  }

  /** The branch (or detached commit) and the commit Chroma holds. */
  async head(): Promise<HeadInfo> {
    const branch = await this.versioning.activeBranch();
    const commit = await this.versioning.resolve('HEAD');
    return { branch: branch.startsWith(DETACHED_PREFIX) ? null : branch, commit };
  }

  /**
   * Uncommitted changes in every collection, against the commit Chroma holds. With `verify: 'flags'` a clean
   * working copy is proven without reading text where possible (see {@link RepositoryOptions.verify}). `signal`
   * cancels it (rejecting with `AbortError`, `ERR_SESSION_ABORTED`); a status changes nothing either way.
   */
  async status(options: { verify?: Verify; signal?: AbortSignal } = {}): Promise<WorkingCopyStatus> {
    options = checkMethodOptions('status', options);
    const verify = options.verify ?? 'content';
    if (options.signal?.aborted) throw new AbortError('Repository.status', 'waiting', options.signal.reason);
    if (verify === 'flags' && (await provablyClean(this.chroma, this.versioning, this.chunkTotals))) {
      return { collections: [], clean: true };
    }
    return workingCopyStatus(this.chroma, this.sync, this.store, this.versioning, verify, options.signal);
  }

  /**
   * Commits every change in Chroma (collections created, deleted or with new metadata, and documents) in one
   * commit. Returns it, or null when nothing changed. `options.signal` cancels it while Chroma is read (nothing
   * is committed); once the store commit starts it completes.
   */
  async commit(message: string, options: VersioningCallOptions = {}): Promise<string | null> {
    checkMessage(message); // first, so a bad message fails the same whether or not anything changed
    options = checkMethodOptions('commit', options);
    return this.cancellable('commit', options, (cancel) => this.commitNow(message, cancel));
  }

  /** The same as {@link commit}: stages every collection's changes in one commit. */
  stageAll(message: string, options: VersioningCallOptions = {}): Promise<string | null> {
    return this.commit(message, options);
  }

  /**
   * Switches the working copy to a branch or a commit (branch names first, then tags and commits); Chroma then
   * holds exactly that commit's documents in every collection. A commit that is not a branch head gives a
   * detached checkout: it can be read and edited but not committed until a branch is created there
   * (`checkout(name, { create: true })`).
   */
  async checkout(target: string, options: CheckoutOptions = {}): Promise<CheckoutResult> {
    checkName('checkout', 'the target', target);
    options = checkMethodOptions('checkout', options);
    return this.cancellable('checkout', options, (cancel) => this.checkoutNow(target, options, cancel));
  }

  async branches(): Promise<Array<BranchInfo & { current: boolean }>> {
    const [all, active] = await Promise.all([this.versioning.branches(), this.versioning.activeBranch()]);
    return all.filter((b) => !b.name.startsWith(DETACHED_PREFIX)).map((b) => ({ ...b, current: b.name === active }));
  }

  async createBranch(name: string, from?: string): Promise<void> {
    checkName('createBranch', 'the branch name', name);
    checkName('createBranch', 'from', from, true);
    return this.exclusive(async () => {
      checkUserBranch(name);
      await this.versioning.createBranch(name, from);
    });
  }

  /** Refuses the current branch, and a branch not merged into the current one unless `force`. */
  async deleteBranch(name: string, options: { force?: boolean } = {}): Promise<void> {
    checkName('deleteBranch', 'the branch name', name);
    options = checkMethodOptions('deleteBranch', options);
    return this.exclusive(async () => {
      checkUserBranch(name);
      await this.versioning.deleteBranch(name, options.force);
    });
  }

  async renameBranch(from: string, to: string, options: { force?: boolean } = {}): Promise<void> {
    checkName('renameBranch', 'the branch name', from);
    checkName('renameBranch', 'the new name', to);
    options = checkMethodOptions('renameBranch', options);
    return this.exclusive(async () => {
      checkUserBranch(from);
      checkUserBranch(to);
      await this.versioning.renameBranch(from, to, options.force);
      if (this.state.branch === from) this.saveState({ ...this.state, branch: to });
    });
  }

  /**
   * Merges `branch` into the current branch: a fast-forward or a merge commit, then Chroma holds the result.
   * With conflicts nothing is committed and Chroma is unchanged: settle each with {@link resolve} (the merge
   * commits after the last one) or {@link abortMerge}. Uncommitted changes in Chroma are refused first.
   */
  async merge(branch: string, options: MergeOptions = {}): Promise<MergeResult> {
    checkName('merge', 'the branch', branch);
    options = checkMethodOptions('merge', options);
    return this.cancellable('merge', options, async (cancel) => {
      const head = await this.requireBranch('merge');
      await this.requireClean('merge', cancel);
      const message = options.message ?? `Merge ${branch} into ${head.branch}`;
      return this.storeThenRefresh('merge', head, () => this.versioning.merge(branch, message), cancel);
    });
  }

  /** What {@link merge} would do, computed from the two sides' changes since their common commit; changes nothing. */
  async previewMerge(branch: string): Promise<MergePreview> {
    const [ours, theirs] = await Promise.all([this.versioning.resolve('HEAD'), this.versioning.resolve(branch)]);
    const base = await this.versioning.mergeBase(ours, theirs);
    if (base === theirs) return { status: 'up-to-date', changes: [], conflicts: [] };
    const [ourDelta, theirDelta] = await Promise.all([this.versioning.delta(base, ours), this.versioning.delta(base, theirs)]);
    const ourChanges = new Map(ourDelta.documents.map((d) => [JSON.stringify([d.collection, d.docId]), d]));
    const changes: MergePreview['changes'] = [];
    const conflicts: MergeConflict[] = [];
    for (const change of theirDelta.documents) {
      const mine = ourChanges.get(JSON.stringify([change.collection, change.docId]));
      const theirsHash = change.to?.contentHash ?? null;
      if (mine) {
        const oursHash = mine.to?.contentHash ?? null;
        const sameResult = oursHash === theirsHash && JSON.stringify(mine.to?.metadata ?? null) === JSON.stringify(change.to?.metadata ?? null);
        if (!sameResult) conflicts.push({ collection: change.collection, docId: change.docId, baseHash: change.fromHash, oursHash, theirsHash });
        continue;
      }
      changes.push({ collection: change.collection, docId: change.docId, type: change.fromHash === null ? 'added' : change.to ? 'modified' : 'removed' });
    }
    const status = conflicts.length > 0 ? 'conflicts' : base === ours ? 'fast-forward' : 'merge';
    return { status, changes, conflicts };
  }

  /** The open merge's conflicts. */
  conflicts(): Promise<MergeConflict[]> {
    return this.versioning.conflicts();
  }

  /**
   * Settles one conflict of the open merge: keep ours, take theirs, or a new content. After the last one the
   * merge is committed and Chroma refreshed. `collection` may be left out when the id is unique among the
   * conflicts.
   */
  async resolve(
    docId: string,
    choice: 'ours' | 'theirs' | { content: string; metadata?: Record<string, unknown> },
    options: ResolveOptions = {},
  ): Promise<ResolveResult> {
    checkName('resolve', 'the document id', docId);
    options = checkMethodOptions('resolve', options);
    if (choice !== 'ours' && choice !== 'theirs' && (typeof choice !== 'object' || choice === null)) {
      throw new RepositoryArgumentError("resolve: the choice must be 'ours', 'theirs' or { content }");
    }
    return this.cancellable('resolve', options, async (cancel) => {
      const open = await this.versioning.conflicts();
      const matching = open.filter((c) => c.docId === docId && (options.collection === undefined || c.collection === options.collection));
      if (matching.length !== 1) {
        throw new RepositoryArgumentError(
          matching.length === 0 ? `no open conflict on ${docId}` : `${docId} conflicts in several collections: name one`,
        );
      }
      const conflict = matching[0]!;
      const resolved: 'ours' | 'theirs' | StoredDocument =
        typeof choice === 'string'
          ? choice
          : { collection: conflict.collection, docId, content: choice.content, contentHash: resolvedHash(choice), metadata: choice.metadata ?? {} };
      // A settled conflict is not put back, and settling the last one commits the merge: an abort after this
      // point would leave a merge with nothing left to resolve and nothing committed.
      cancel.pointOfNoReturn();
      await this.versioning.resolveConflict(conflict.collection, docId, resolved);
      const remaining = await this.versioning.conflicts();
      if (remaining.length > 0) return { remaining, commit: null };
      const head = await this.head();
      const outcome = await this.storeThenRefresh('merge', head, async () => {
        const after = await this.versioning.commitMerge(options.message ?? `Merge into ${head.branch}`);
        return { status: 'merged' as const, before: head.commit, after, conflicts: [] };
      }, cancel);
      return { remaining: [], commit: outcome.commit };
    });
  }

  /**
   * Ends the open merge; the store and Chroma are as before it. One store operation: `signal` cancels it only
   * before it starts.
   */
  async abortMerge(options: VersioningCallOptions = {}): Promise<void> {
    options = checkMethodOptions('abortMerge', options);
    return this.cancellable('abortMerge', options, async (cancel) => {
      cancel.pointOfNoReturn();
      await this.versioning.abortMerge();
    });
  }

  /**
   * Without `hard`: discards every uncommitted change in Chroma (back to the commit it holds). With `hard`: also
   * moves the current branch to that earlier commit (or ref), and Chroma follows.
   */
  async reset(options: ResetOptions = {}): Promise<RefreshResult> {
    options = checkMethodOptions('reset', options);
    return this.cancellable('reset', options, async (cancel) => {
      const head = await this.head();
      if (await this.versioning.merging()) throw new MergeInProgressError('reset');
      const status = await this.checkedStatus(this.verify, cancel);
      const target = options.hard === undefined ? head.commit : await this.versioning.resolve(options.hard);
      const journal: RefreshJournal & { to: string } = {
        ...restoreLists(status, 'discard'),
        operation: 'reset',
        from: head.commit,
        to: target,
        branch: await this.versioning.activeBranch(),
        storeStep: options.hard === undefined ? undefined : 'reset',
      };
      return this.runJournal(journal, undefined, undefined, cancel);
    });
  }

  /** A new commit undoing `commit`'s changes; Chroma follows. Uncommitted changes are refused first. */
  async revert(commit: string, options: VersioningCallOptions = {}): Promise<MergeResult> {
    checkName('revert', 'the commit', commit);
    options = checkMethodOptions('revert', options);
    return this.cancellable('revert', options, async (cancel) => {
      const head = await this.requireBranch('revert');
      await this.requireClean('revert', cancel);
      return this.storeThenRefresh('revert', head, async () => {
        const after = await this.versioning.revert(commit);
        return { status: 'merged' as const, before: head.commit, after, conflicts: [] };
      }, cancel);
    });
  }

  /** A commit with its parents, its log entry (when on the current branch's history) and the documents it changed. */
  async show(ref: string): Promise<ShowResult> {
    checkName('show', 'the ref', ref);
    const commit = await this.versioning.resolve(ref);
    const parents = await this.versioning.parents(commit);
    const info = (await this.store.log(10_000)).find((c) => c.hash === commit) ?? null;
    const changes = parents.length > 0 ? (await this.versioning.delta(parents[0]!, commit)).documents : [];
    return { commit, parents, info, changes };
  }

  async log(limit?: number): Promise<CommitInfo[]> {
    checkWholeNumber('Repository.log', 'limit', limit, 0);
    return this.store.log(limit);
  }

  /** A document's content and metadata at any ref, without checking it out; null when it did not exist there. */
  async documentAt(ref: string, collection: string, docId: string): Promise<StoredDocument | null> {
    return (await this.versioning.documentsAt(ref, { collection, docIds: [docId] }))[0] ?? null;
  }

  /** A collection's documents at any ref, without checking it out. */
  collectionAt(ref: string, collection: string): Promise<StoredDocument[]> {
    return this.versioning.documentsAt(ref, { collection });
  }

  tags(): Promise<TagInfo[]> {
    return this.versioning.tags();
  }

  async createTag(name: string, options: { ref?: string; message?: string } = {}): Promise<void> {
    checkName('createTag', 'the tag name', name);
    options = checkMethodOptions('createTag', options);
    return this.versioning.createTag(name, options.ref, options.message);
  }

  async deleteTag(name: string): Promise<void> {
    checkName('deleteTag', 'the tag name', name);
    return this.versioning.deleteTag(name);
  }

  remotes(): Promise<RemoteInfo[]> {
    return this.versioning.remotes();
  }

  async addRemote(name: string, url: string): Promise<void> {
    checkName('addRemote', 'the remote name', name);
    checkName('addRemote', 'the remote url', url);
    return this.versioning.addRemote(name, url);
  }

  async removeRemote(name: string): Promise<void> {
    checkName('removeRemote', 'the remote name', name);
    return this.versioning.removeRemote(name);
  }

  /**
   * Pushes a branch (default: the current one) to a remote. A remote branch with commits this one lacks is
   * refused with `PushRejectedError` (pull first).
   */
  async push(remote: string, branch?: string, options: Pick<VersioningCallOptions, 'signal'> = {}): Promise<void> {
    checkName('push', 'the remote', remote);
    checkName('push', 'the branch', branch, true);
    options = checkMethodOptions('push', options);
    return this.cancellable('push', options, async (cancel) => {
      const name = branch ?? (await this.requireBranch('push')).branch;
      cancel.pointOfNoReturn();
      await this.versioning.push(remote, name);
    });
  }

  /** Fetches a remote's branches (or one) into its remote-tracking refs; the working copy does not move. */
  async fetch(remote: string, branch?: string, options: Pick<VersioningCallOptions, 'signal'> = {}): Promise<void> {
    checkName('fetch', 'the remote', remote);
    checkName('fetch', 'the branch', branch, true);
    options = checkMethodOptions('fetch', options);
    return this.cancellable('fetch', options, async (cancel) => {
      cancel.pointOfNoReturn();
      await this.versioning.fetch(remote, branch);
    });
  }

  /**
   * Fetches `remote/branch` (default: the current branch's name) and merges it; Chroma follows, as for merge. A
   * remote whose history shares no commit with this branch is refused with `UnrelatedHistoriesError` before the
   * branch moves.
   */
  async pull(remote: string, branch?: string, options: VersioningCallOptions = {}): Promise<MergeResult> {
    checkName('pull', 'the remote', remote);
    checkName('pull', 'the branch', branch, true);
    options = checkMethodOptions('pull', options);
    return this.cancellable('pull', options, async (cancel) => {
      const head = await this.requireBranch('pull');
      await this.requireClean('pull', cancel);
      return this.storeThenRefresh('pull', head, () => this.versioning.pull(remote, branch ?? head.branch), cancel);
    });
  }

  /**
   * Cancellable while Chroma is read; the store commit is its point of no return (one store operation: it
   * commits whole or not at all).
   */
  private async commitNow(message: string, cancel: Cancellation): Promise<string | null> {
    const head = await this.head();
    if (head.branch === null) throw new DetachedHeadError('commit', head.commit);
    if (await this.versioning.merging()) throw new MergeInProgressError('commit');
    // Each collection's stage marker is recorded before it is read, and becomes its floor once the commit stands
    // (flagged chunks under it count as staged; see the sync layer's stage floor).
    const markers = new Map<string, number>();
    for (const info of await this.chroma.listCollections()) markers.set(info.name, (await recordStageStart(this.chroma, info.name, {})).marker);
    const status = await this.checkedStatus('content', cancel);
    cancel.pointOfNoReturn();
    const commit = await commitWorkingCopy(this.chroma, this.versioning, status, message);
    // The commit stands even if recording a floor fails: `flags` then still sees those chunks as unstaged.
    for (const [collection, marker] of markers) await recordStageFloor(this.chroma, collection, marker, {}).catch(() => {});
    return commit;
  }

  private async checkoutNow(target: string, options: CheckoutOptions, cancel: Cancellation): Promise<CheckoutResult> {
    if (await this.versioning.merging()) throw new MergeInProgressError('checkout');
    const mode = options.ifUncommitted ?? 'abort';
    const before = await this.head();
    const branches = new Set((await this.versioning.branches()).map((b) => b.name));
    let branch: string;
    if (options.create) {
      checkUserBranch(target);
      if (branches.has(target)) throw new RepositoryArgumentError(`branch ${target} exists`);
      branch = target;
    } else if (branches.has(target) && !target.startsWith(DETACHED_PREFIX)) {
      branch = target;
    } else if (target === 'HEAD' && before.branch !== null) {
      // As in Git, checking out HEAD stays on the current branch; detaching would make the next commit fail.
      branch = before.branch;
    } else {
      branch = `${DETACHED_PREFIX}${await this.versioning.resolve(target)}`;
    }
    const targetCommit = options.create
      ? await this.versioning.resolve(options.from ?? 'HEAD')
      : branches.has(branch)
        ? await this.versioning.resolve(branch)
        : await this.versioning.resolve(target);

    // The store's diff runs while Chroma is checked for local changes (different owners); it is used unless
    // committing those changes moves HEAD first.
    const prefetched = targetCommit !== before.commit ? this.versioning.delta(before.commit, targetCommit) : undefined;
    prefetched?.catch(() => {});
    // Moving to the commit Chroma already holds (a new branch here, or the same branch) cannot lose anything.
    let status: WorkingCopyStatus | null = null;
    if (targetCommit !== before.commit) {
      status = await this.checkedStatus(options.verify ?? this.verify, cancel);
      if (!status.clean) {
        if (mode === 'abort') throw new UncommittedChangesError('checkout', pendingChanges(status));
        if (mode === 'commit') {
          if (before.branch === null) throw new DetachedHeadError('checkout with ifUncommitted: commit', before.commit);
          const made = await commitWorkingCopy(this.chroma, this.versioning, status, options.message ?? 'Commit local changes before checkout');
          // Chroma was not written: moving the branch back makes the changes uncommitted again, as they were.
          if (made !== null) {
            cancel.onUndo(() => this.versioning.resetHard(before.commit));
            cancel.report({ phase: 'moved', commit: made });
            cancel.checkpoint();
          }
          status = null;
        }
      }
    }
    const from = await this.versioning.resolve('HEAD');
    const lists = status && !status.clean ? restoreLists(status, mode === 'discard' ? 'discard' : 'carry') : EMPTY_LISTS;
    if (mode === 'carry' && lists.keep.length > 0) await this.checkCarry(from, targetCommit, lists, status!);

    if (!branches.has(branch)) {
      await this.versioning.createBranch(branch, targetCommit);
      cancel.onUndo(() => this.versioning.deleteBranch(branch, true));
    }
    const journal: RefreshJournal & { to: string } = { ...lists, operation: 'checkout', from, to: targetCommit, branch };
    let refresh: RefreshResult;
    try {
      refresh = await this.runJournal(journal, from === before.commit ? prefetched : undefined, undefined, cancel);
    } catch (error) {
      // Refused before anything moved: the branch this checkout made goes too.
      if (error instanceof CommitNotCheckoutableError && !branches.has(branch)) await this.versioning.deleteBranch(branch, true).catch(() => {});
      throw error;
    }
    return { ...refresh, from, head: { branch: branch.startsWith(DETACHED_PREFIX) ? null : branch, commit: targetCommit } };
  }

  /** Carried changes may not touch what the checkout changes: checked before anything is written. */
  private async checkCarry(from: string, to: string, lists: typeof EMPTY_LISTS, status: WorkingCopyStatus): Promise<void> {
    const delta = await this.versioning.delta(from, to);
    const changed = new Set(delta.documents.map((d) => JSON.stringify([d.collection, d.docId])));
    const changedCollections = new Set(delta.collections.map((c) => c.name));
    const pending = pendingChanges(status);
    const conflicts = pending.filter((p) =>
      p.docId === null ? changedCollections.has(p.collection) : changed.has(JSON.stringify([p.collection, p.docId])),
    );
    if (conflicts.length > 0) throw new CarryConflictError(conflicts);
  }

  /**
   * Runs a store operation that moves the current branch (merge, revert, pull), then refreshes Chroma from the
   * old head to the new one. The journal is written first with the target unknown; the next open reads the
   * branch head to learn whether the store moved.
   */
  private async storeThenRefresh(
    operation: string,
    head: HeadInfo,
    work: () => Promise<{ status: MergeResult['status']; before: string; after: string; conflicts: MergeConflict[] }>,
    cancel: Cancellation,
  ): Promise<MergeResult> {
    const journal: RefreshJournal = { ...EMPTY_LISTS, operation, from: head.commit, to: null, branch: head.branch! };
    this.saveState({ branch: head.branch, journal });
    cancel.onUndo(async () => this.saveState({ branch: head.branch, journal: null }));
    let outcome: Awaited<ReturnType<typeof work>>;
    try {
      outcome = await work();
    } catch (error) {
      this.saveState({ branch: head.branch, journal: null });
      throw error;
    }
    if (outcome.status === 'conflicts') cancel.onUndo(() => this.versioning.abortMerge());
    else if (outcome.after !== outcome.before) {
      cancel.onUndo(() => this.versioning.resetHard(outcome.before));
      cancel.report({ phase: 'moved', commit: outcome.after });
    }
    cancel.checkpoint();
    if (outcome.status === 'conflicts' || outcome.after === outcome.before) {
      this.saveState({ branch: head.branch, journal: null });
      return { status: outcome.status, commit: null, conflicts: outcome.conflicts, refresh: null };
    }
    const refresh = await this.runJournal({ ...journal, to: outcome.after }, undefined, outcome.before, cancel);
    return { status: outcome.status, commit: outcome.after, conflicts: [], refresh };
  }

  /**
   * Plans the refresh, then records the journal (the point of no return: see cancellation.ts), moves the store
   * if needed, refreshes Chroma, and clears the journal.
   */
  private async runJournal(
    journal: RefreshJournal & { to: string },
    delta?: Promise<CommitDelta>,
    undo?: string,
    cancel?: Cancellation,
  ): Promise<RefreshResult> {
    const plan = await this.planFor(journal, delta, undo);
    if (cancel) {
      let writes = 0;
      let removes = 0;
      for (const p of plan?.documents.values() ?? []) {
        writes += p.writes.length;
        removes += p.removes.length;
      }
      cancel.report({ phase: 'planned', writes, removes });
      cancel.pointOfNoReturn();
    }
    this.saveState({ branch: this.state.branch, journal });
    return this.apply(journal, plan, cancel);
  }

  /** Finishes a recorded refresh (after a crash): plans it and carries it out. */
  private async finish(journal: RefreshJournal & { to: string }, undo?: string): Promise<RefreshResult> {
    return this.apply(journal, await this.planFor(journal, undefined, undo));
  }

  /**
   * Planned and checked before the store or Chroma moves: a commit Chroma cannot hold (written through the
   * store's own API) is refused with nothing changed, instead of failing halfway and again at every open.
   * `undo`: the commit the branch was on before a store operation that moved it already (merge, revert, pull):
   * put back if the refresh is refused.
   */
  private async planFor(journal: RefreshJournal & { to: string }, delta?: Promise<CommitDelta>, undo?: string): Promise<RefreshPlan | null> {
    let plan: RefreshPlan | null = null;
    if (journal.from !== journal.to || journal.restore.length > 0 || journal.restoreCollections.length > 0) {
      try {
        plan = await planRefresh({ chroma: this.chroma, sync: this.sync, versioning: this.versioning }, journal, delta);
      } catch (error) {
        if (error instanceof CommitNotCheckoutableError) {
          if (undo !== undefined && (await this.versioning.resolve('HEAD')) !== undo) await this.versioning.resetHard(undo);
          this.saveState({ branch: this.state.branch, journal: null });
        }
        throw error;
      }
    }
    return plan;
  }

  /** Carries out a planned refresh whose journal is recorded. */
  private async apply(journal: RefreshJournal & { to: string }, plan: RefreshPlan | null, cancel?: Cancellation): Promise<RefreshResult> {
    const active = await this.versioning.activeBranch();
    if (journal.storeStep === 'reset' && (await this.versioning.resolve('HEAD')) !== journal.to) {
      try {
        await this.versioning.resetHard(journal.to);
      } catch (error) {
        // A refused reset (a target the branch cannot be put on, an open merge) moved nothing: forget the journal,
        // or every later open would retry it and fail the same way.
        if (error instanceof StoreArgumentError) this.saveState({ branch: this.state.branch, journal: null });
        throw error;
      }
    }
    const refresh =
      plan === null
        ? NO_REFRESH
        : await applyRefresh({ chroma: this.chroma, sync: this.sync, versioning: this.versioning }, plan, (collectionsDone, collectionsTotal) =>
            cancel?.report({ phase: 'refreshing', collectionsDone, collectionsTotal }),
          );
    if (active !== journal.branch) {
      await this.versioning.switchBranch(journal.branch);
      // A detached checkout's branch has no other use once the working copy leaves it.
      if (active.startsWith(DETACHED_PREFIX)) await this.versioning.deleteBranch(active, true).catch(() => {});
    }
    this.saveState({ branch: journal.branch, journal: null });
    return refresh;
  }

  private async recover(): Promise<void> {
    const { journal, branch } = this.state;
    if (journal) {
      let to = journal.to;
      if (to === null) {
        // The store operation either happened (the branch moved) or not (nothing to refresh).
        if ((await this.versioning.activeBranch()) !== journal.branch) await this.versioning.switchBranch(journal.branch);
        to = await this.versioning.resolve('HEAD');
      }
      // Refused (a commit Chroma cannot hold): a store operation that moved the branch is undone.
      await this.finish({ ...journal, to }, journal.to === null ? journal.from : undefined);
      return;
    }
    if (branch !== null && (await this.versioning.activeBranch()) !== branch) await this.versioning.switchBranch(branch);
  }

  private async requireBranch(operation: string): Promise<HeadInfo & { branch: string }> {
    const head = await this.head();
    if (head.branch === null) throw new DetachedHeadError(operation, head.commit);
    if (await this.versioning.merging()) throw new MergeInProgressError(operation);
    return head as HeadInfo & { branch: string };
  }

  private async requireClean(operation: string, cancel: Cancellation): Promise<void> {
    const status = await this.checkedStatus(this.verify, cancel);
    if (!status.clean) throw new UncommittedChangesError(operation, pendingChanges(status));
  }

  /** The status before an operation moves the working copy: its detection cancelled by the operation's signal. */
  private async checkedStatus(verify: Verify, cancel: Cancellation): Promise<WorkingCopyStatus> {
    cancel.checkpoint();
    const status =
      verify === 'flags' && (await provablyClean(this.chroma, this.versioning, this.chunkTotals))
        ? { collections: [], clean: true }
        : await workingCopyStatus(this.chroma, this.sync, this.store, this.versioning, verify, cancel.signal);
    cancel.report({ phase: 'checked' });
    cancel.checkpoint();
    return status;
  }

  /**
   * Runs a versioning operation alone on the working copy (see {@link exclusive}), cancellable by
   * `options.signal` up to its point of no return (see cancellation.ts).
   */
  private cancellable<T>(method: string, options: VersioningCallOptions, work: (cancel: Cancellation) => Promise<T>): Promise<T> {
    const cancel = new Cancellation(`Repository.${method}`, options);
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new AbortError(cancel.op, 'waiting', signal.reason));
    return this.exclusive(async () => {
      if (signal?.aborted) throw new AbortError(cancel.op, 'queued', signal.reason);
      try {
        return await work(cancel);
      } catch (error) {
        return cancel.settle(error);
      }
    });
  }

  private saveState(state: RepositoryState): void {
    this.stateFile.write(state);
    this.state = state;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    let queue = queues.get(this.chroma);
    if (!queue) queues.set(this.chroma, (queue = { tail: Promise.resolve() }));
    const next = queue.tail.then(work, work);
    queue.tail = next.catch(() => {});
    return next;
  }
}

/**
 * One versioning operation at a time per working copy: each reads Chroma, then moves it. Shared by every
 * Repository over one Chroma client, since two (opened on the same client and store) would otherwise both commit
 * the same changes, or interleave two checkouts' writes.
 */
const queues = new WeakMap<Chroma, { tail: Promise<unknown> }>();

const EMPTY_LISTS: Pick<RefreshJournal, 'restore' | 'restoreCollections' | 'keep'> = { restore: [], restoreCollections: [], keep: [] };

/** The journal's lists for uncommitted changes: restored from the target (discard) or left alone (carry). */
function restoreLists(status: WorkingCopyStatus, mode: 'discard' | 'carry'): Pick<RefreshJournal, 'restore' | 'restoreCollections' | 'keep'> {
  const docs: Array<[string, string]> = [];
  const collections: string[] = [];
  for (const c of status.collections) {
    if (c.state !== 'unchanged') collections.push(c.name);
    for (const docId of [...c.added, ...c.modified, ...c.deleted, ...c.incomplete]) docs.push([c.name, docId]);
  }
  return mode === 'discard'
    ? { restore: docs, restoreCollections: collections, keep: [] }
    : { restore: [], restoreCollections: [], keep: docs };
}

/** The version hash of a document given to settle a conflict: its text and metadata (Chroma's scalars only). */
function resolvedHash(choice: { content: unknown; metadata?: Record<string, unknown> }): string {
  if (typeof choice.content !== 'string') throw new RepositoryArgumentError('resolve: content must be a string');
  try {
    return documentHash(choice.content, (choice.metadata ?? {}) as Metadata);
  } catch {
    throw new RepositoryArgumentError('resolve: metadata values must be strings, numbers or booleans');
  }
}

function checkUserBranch(name: string): void {
  if (typeof name !== 'string' || name.startsWith(DETACHED_PREFIX)) {
    throw new RepositoryArgumentError(`branch names starting with "${DETACHED_PREFIX}" are reserved for detached checkouts`);
  }
}
