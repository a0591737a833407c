/**
 * One call on the main side, from `call()` until it settles.
 *
 * It moves through: Waiting (no room yet, `whenFull: 'wait'`) -> Queued (on the main thread) -> Sent (handed to
 * the owner) -> Settled. A Sent call whose caller gave up (timeout, abort) becomes Abandoned: it still occupies
 * the owner, so it still counts as in flight until the owner reports it.
 */
import type { DeadlineEntry } from './deadline-queue.js';

export const enum EntryState {
  Waiting,
  Queued,
  Sent,
  Abandoned,
  Settled,
}

export interface Entry extends DeadlineEntry {
  id: number;
  /** null for a group (batch). */
  op: string | null;
  /** The caller's label (or the op name): used in errors, logs and metrics. */
  label: string;
  /** Kept until the call settles, so an operation that never started can be re-sent after a restart. */
  arg: unknown;
  state: EntryState;
  /** performance.now() at the call. */
  calledAt: number;
  timeoutMs: number;
  /** How long this operation may run before the owner counts as wedged (see ExecutorOptions.hardDeadlineMs). */
  hardDeadlineMs: number;
  /** Position in the current owner's start order; valid while Sent or Abandoned. */
  seq: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onProgress: ((value: unknown) => void) | undefined;
}
