/**
 * The working copy's own state, kept beside it like a `.git` folder: which branch (or detached commit) Chroma
 * holds, and the journal of a refresh in progress. The version store cannot keep this itself: DoltLite opens on
 * its default branch whatever was checked out, and a refresh of Chroma must be recorded before Chroma is
 * written, so that the next open can finish it.
 *
 * Written atomically (`writeFileAtomic`): a crash leaves the old state or the new one.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { makeFolders } from '../path-lock.js';
import { RepositoryStateError } from './errors.js';

/** A refresh of Chroma from one commit to another, recorded before Chroma is touched. */
export interface RefreshJournal {
  /** What started it (for messages): checkout, merge, reset, revert, pull. */
  operation: string;
  /** The commit Chroma held before. */
  from: string;
  /** The commit Chroma must hold after; null until the store operation that decides it has run. */
  to: string | null;
  /** The branch the store must be on afterwards. */
  branch: string;
  /** A store step to redo if it may not have happened: a hard reset to `to`. */
  storeStep?: 'reset';
  /** Documents with local changes to restore to `to` (discard), as [collection, docId]. */
  restore: Array<[string, string]>;
  /** Collections with local creation/deletion to restore to `to` (discard). */
  restoreCollections: string[];
  /** Documents with local changes to leave alone (carry), as [collection, docId]. */
  keep: Array<[string, string]>;
}

export interface RepositoryState {
  /** The branch the working copy is on (the store is switched back to it on open). */
  branch: string | null;
  /** The refresh in progress, if any: the next open finishes it. */
  journal: RefreshJournal | null;
}

const EMPTY: RepositoryState = { branch: null, journal: null };

export class StateFile {
  private memory: RepositoryState = { ...EMPTY };

  /** `path` null keeps the state in memory only (it does not survive a reopen). */
  constructor(private readonly path: string | null) {}

  read(): RepositoryState {
    if (!this.path) return { ...this.memory };
    rmSync(tempPath(this.path), { force: true });
    if (!existsSync(this.path)) return { ...EMPTY };
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      throw new RepositoryStateError(this.path, 'not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new RepositoryStateError(this.path, 'not a JSON object');
    const { branch, journal } = parsed as Partial<RepositoryState>;
    if (branch != null && typeof branch !== 'string') throw new RepositoryStateError(this.path, "'branch' is not a string");
    if (journal != null && (typeof journal !== 'object' || Array.isArray(journal))) throw new RepositoryStateError(this.path, "'journal' is not an object");
    return { branch: branch ?? null, journal: journal ?? null };
  }

  write(state: RepositoryState): void {
    if (!this.path) {
      this.memory = structuredClone(state);
      return;
    }
    // Not mkdirSync(recursive): under /proc it never returns; this fails at once with PathNotUsableError.
    makeFolders(dirname(this.path));
    writeFileAtomic(this.path, JSON.stringify(state));
  }
}

/** Where this file's writers before the shared atomic write kept their temporary file (removed if left). */
function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp`);
}
