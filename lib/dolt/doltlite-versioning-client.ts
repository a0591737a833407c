/** {@link VersioningStore} for the embedded store: typed calls to the versioning operations of its owner thread. */
import { checkChunkWindow, checkDocumentsAtOptions } from './versioning-shared.js';
import { checkMessage } from './validate-changes.js';
import type { DoltLiteStore } from './doltlite-store.js';
import type {
  BranchInfo,
  CommitDelta,
  MergeConflict,
  MergeOutcome,
  RemoteInfo,
  StageAllChanges,
  StoredCollection,
  StoredDocument,
  TagInfo,
  VersioningStore,
} from './versioning.js';

export class DoltLiteVersioning implements VersioningStore {
  constructor(private readonly store: DoltLiteStore) {}

  private get executor() {
    return this.store.owner;
  }

  resolve(ref: string): Promise<string> {
    return this.executor.call('resolveRef', ref);
  }
  branches(): Promise<BranchInfo[]> {
    return this.executor.call('branchList', undefined);
  }
  activeBranch(): Promise<string> {
    return this.store.activeBranch();
  }
  async createBranch(name: string, from?: string): Promise<void> {
    await this.executor.call('branchCreate', { name, from });
  }
  async deleteBranch(name: string, force = false): Promise<void> {
    await this.executor.call('branchDelete', { name, force });
  }
  async renameBranch(from: string, to: string, force = false): Promise<void> {
    await this.executor.call('branchRename', { from, to, force });
  }
  async switchBranch(name: string): Promise<void> {
    await this.executor.call('switchBranch', name);
  }
  delta(from: string, to: string): Promise<CommitDelta> {
    return this.executor.call('delta', { from, to });
  }
  async documentsAt(ref: string, options: { collection?: string; docIds?: string[] } = {}): Promise<StoredDocument[]> {
    checkDocumentsAtOptions(options);
    return this.executor.call('documentsAt', { ref, ...options });
  }
  collectionsAt(ref: string): Promise<StoredCollection[]> {
    return this.executor.call('collectionsAt', ref);
  }
  async chunkTotals(size: number, overlap: number): Promise<Map<string, { documents: number; chunks: number }>> {
    checkChunkWindow(size, overlap);
    return new Map(await this.executor.call('chunkTotals', { size, overlap }));
  }
  mergeBase(a: string, b: string): Promise<string> {
    return this.executor.call('mergeBase', { a, b });
  }
  parents(commit: string): Promise<string[]> {
    return this.executor.call('parents', commit);
  }
  async merge(branch: string, message: string): Promise<MergeOutcome> {
    checkMessage(message);
    return this.executor.call('merge', { branch, message });
  }
  conflicts(): Promise<MergeConflict[]> {
    return this.executor.call('mergeConflicts', undefined);
  }
  async resolveConflict(collection: string, docId: string, choice: 'ours' | 'theirs' | StoredDocument): Promise<void> {
    await this.executor.call('mergeResolve', { collection, docId, choice });
  }
  async commitMerge(message: string): Promise<string> {
    checkMessage(message);
    return this.executor.call('mergeCommit', message);
  }
  async abortMerge(): Promise<void> {
    await this.executor.call('mergeAbort', undefined);
  }
  merging(): Promise<boolean> {
    return this.executor.call('merging', undefined);
  }
  async resetHard(ref: string): Promise<void> {
    await this.executor.call('resetHard', ref);
  }
  revert(commit: string): Promise<string> {
    return this.executor.call('revert', commit);
  }
  async stageAll(changes: StageAllChanges): Promise<string | null> {
    checkMessage(changes?.message);
    return this.executor.call('stageAll', changes);
  }
  async createTag(name: string, ref?: string, message?: string): Promise<void> {
    await this.executor.call('tagCreate', { name, ref, message });
  }
  tags(): Promise<TagInfo[]> {
    return this.executor.call('tagList', undefined);
  }
  async deleteTag(name: string): Promise<void> {
    await this.executor.call('tagDelete', name);
  }
  async addRemote(name: string, url: string): Promise<void> {
    await this.executor.call('remoteAdd', { name, url });
  }
  async removeRemote(name: string): Promise<void> {
    await this.executor.call('remoteRemove', name);
  }
  remotes(): Promise<RemoteInfo[]> {
    return this.executor.call('remoteList', undefined);
  }
  async push(remote: string, branch: string): Promise<void> {
    await this.executor.call('push', { remote, branch });
  }
  async fetch(remote: string, branch?: string): Promise<void> {
    await this.executor.call('fetch', { remote, branch });
  }
  pull(remote: string, branch: string): Promise<MergeOutcome> {
    return this.executor.call('pull', { remote, branch });
  }
}
