/**
 * Cancelling a versioning operation (checkout, merge, reset, revert, pull, push, fetch, clone) with an
 * `AbortSignal`, with one point of no return: the moment the refresh of Chroma is recorded in the journal.
 *
 * Why there: before it, nothing in Chroma has been written, and everything the operation did to the store (a
 * branch it created, a commit of local changes, a merge that moved the branch, a remote a clone added) can be
 * undone exactly, so an abort puts all of it back and rejects with `AbortError`. From it on, the journal
 * promises that Chroma ends at the target (a crash is finished by the next open), so an abort could only leave
 * what a crash leaves; instead the operation completes and resolves, as if the signal had fired a moment later.
 *
 * Undo steps are registered as the operation makes changes and run newest first.
 */
import { AbortError } from '../errors.js';

/** How far a versioning operation got, reported through `onProgress`. */
export type RepositoryProgress =
  /** Chroma was checked for uncommitted changes. */
  | { phase: 'checked' }
  /** The store moved the branch (merge, revert, pull, or a commit of local changes before a checkout). */
  | { phase: 'moved'; commit: string }
  /** The refresh of Chroma is planned: the last moment an abort still cancels the operation. */
  | { phase: 'planned'; writes: number; removes: number }
  /** Past the point of no return: a collection of Chroma was refreshed. */
  | { phase: 'refreshing'; collectionsDone: number; collectionsTotal: number };

/** The call options every versioning operation takes. */
export interface VersioningCallOptions {
  /**
   * Cancels the operation. An already-aborted signal rejects with `AbortError` (`ERR_SESSION_ABORTED`, `cause` =
   * `signal.reason`) before anything is read or changed. An abort while it runs cancels it up to the point of no
   * return, the journal record made just before Chroma is first written: everything is then put back as it
   * was (the branch, the store's refs, Chroma untouched, no journal left) and the call rejects with
   * `AbortError`. After that point the operation completes and resolves; the abort is ignored. Push and fetch
   * are one store operation each: only an abort before it starts cancels them.
   * @default none
   */
  signal?: AbortSignal;
  /** Called as the operation advances (see {@link RepositoryProgress}); exceptions it throws are ignored. @default none */
  onProgress?: (progress: RepositoryProgress) => void;
}

export class Cancellation {
  private readonly undos: Array<() => Promise<unknown>> = [];
  private committed = false;

  constructor(
    /** The operation's name in errors, `Repository.<method>`. */
    readonly op: string,
    private readonly options: VersioningCallOptions,
  ) {}

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  report(progress: RepositoryProgress): void {
    try {
      this.options.onProgress?.(progress);
    } catch {
      // A progress listener's failure is not the operation's.
    }
  }

  /** Registers how to put back a change just made (run only if the operation is cancelled or refused). */
  onUndo(undo: () => Promise<unknown>): void {
    this.undos.push(undo);
  }

  /** Throws `AbortError` when the signal fired and the point of no return is not passed. */
  checkpoint(): void {
    const signal = this.options.signal;
    if (!this.committed && signal?.aborted) throw new AbortError(this.op, 'running', signal.reason);
  }

  /** Whether the point of no return is passed. */
  get passed(): boolean {
    return this.committed;
  }

  /** The last check; from here on the operation completes whatever the signal does. */
  pointOfNoReturn(): void {
    this.checkpoint();
    this.committed = true;
  }

  /** Runs the registered undo steps, newest first, once; a step that fails does not stop the others. */
  async rollback(): Promise<void> {
    while (this.undos.length > 0) await this.undos.pop()!().catch(() => {});
  }

  /**
   * After a failure: an abort before the point of no return (whichever step noticed it) undoes what was done
   * and becomes one `AbortError` named after the operation; any other failure is rethrown as it is.
   */
  async settle(error: unknown): Promise<never> {
    const signal = this.options.signal;
    if (!this.committed && signal?.aborted) {
      await this.rollback();
      throw error instanceof AbortError && error.op === this.op ? error : new AbortError(this.op, 'running', signal.reason);
    }
    throw error;
  }
}
