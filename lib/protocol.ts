/**
 * Message shapes between the main thread and the owner thread, and error serialisation.
 *
 * Operations and results travel as flat arrays, not objects: a message carries everything queued in one tick,
 * and per-item objects or tuples would make structured clone the largest cost of a round trip.
 */
import { RemoteError, remoteErrorClassFor } from './errors.js';

/**
 * Work for the owner, flattened: `[id, op, arg, id, op, arg, ...]`. `op` is null for a group (a batch run back
 * to back), whose `arg` is `[[op, arg], ...]`. A flat array is cheaper to clone than an array of tuples, and a
 * run message is the one message sent per tick, so it is the only message that is an array.
 */
export type RunBatch = unknown[];
export const RUN_STRIDE = 3;

export const enum ResultStatus {
  Ok = 0,
  Error = 1,
  /** Cancelled before it started (the main side had already given up on it). */
  Skipped = 2,
}

/** Results, flattened the same way: `[id, status, value or serialised error, run time in us, ...]`. */
export type ResultBatch = unknown[];
export const RESULT_STRIDE = 4;

/** One entry of a group's outcome. */
export type GroupOutcome = { ok: true; value: unknown } | { ok: false; error: SerializedError };

export type MainToOwner = RunBatch | { type: 'open'; options: unknown } | { type: 'cancel'; ids: number[] } | { type: 'close' };

export type OwnerToMain =
  | ResultBatch
  | { type: 'opened' }
  | { type: 'open-failed'; error: SerializedError }
  | { type: 'child-process'; pid: number }
  | { type: 'closed'; error?: SerializedError };

/** Data passed to a new owner thread. */
export interface OwnerWorkerData {
  /** URL of the module whose default export is the session definition. */
  sessionModule: string;
  /** Shared progress counters, see {@link ProgressSlot}. */
  progress: SharedArrayBuffer;
  /** Maximum number of operations the owner runs at once. */
  concurrency: number;
}

/**
 * Layout of the shared progress buffer. The owner bumps these without sending a message, so the main side can
 * tell, even after the owner died, which dispatched items had started (items start in dispatch order) and
 * whether the running one is making progress.
 */
export const enum ProgressSlot {
  /** Int32: items started (including skipped ones). */
  Started = 0,
  /** Int32: items finished. */
  Finished = 1,
  /** Float64 index (in a Float64Array view): Date.now() of the last start or finish. */
  LastProgressAt = 1,
}
export const PROGRESS_BYTES = 16;

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  details?: Record<string, unknown>;
  cause?: SerializedError;
}

const MAX_CAUSE_DEPTH = 8;

/** Turns anything thrown into a plain object that survives structured clone. */
export function serializeError(thrown: unknown, depth = 0): SerializedError {
  if (thrown instanceof Error) {
    const { name, message, stack } = thrown;
    const out: SerializedError = { name, message, stack };
    const extra = thrown as Error & { code?: unknown; details?: unknown; cause?: unknown };
    if (extra.code !== undefined) out.code = String(extra.code);
    if (extra.details && typeof extra.details === 'object') out.details = clonePlain(extra.details);
    if (extra.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeError(extra.cause, depth + 1);
    return out;
  }
  let message: string;
  try {
    message = typeof thrown === 'string' ? thrown : JSON.stringify(thrown) ?? String(thrown);
  } catch {
    message = String(thrown);
  }
  return { name: 'NonError', message };
}

/** Rebuilds a serialised owner error as a {@link RemoteError} (or the subclass registered for its code). */
export function deserializeError(error: SerializedError): RemoteError {
  const cause = error.cause ? deserializeError(error.cause) : undefined;
  const ErrorClass = remoteErrorClassFor(error.code);
  return new ErrorClass(error, cause === undefined ? undefined : { cause });
}

function clonePlain(value: object): Record<string, unknown> {
  try {
    return structuredClone(value) as Record<string, unknown>;
  } catch {
    return {};
  }
}
