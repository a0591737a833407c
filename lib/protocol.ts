/**
 * Message shapes between the main thread and the owner thread, and error serialisation.
 *
 * Items travel as tuples, not objects: every message carries everything queued in one tick, and with
 * hundreds of items per message the structured-clone cost of property names adds up.
 */
import { RemoteError, remoteErrorClassFor } from './errors.js';

/** One operation: `[id, op, arg]`. */
export type OpItem = [id: number, op: string, arg: unknown];
/** A group run back to back with nothing interleaved: `[id, null, [[op, arg], ...]]`. */
export type GroupItem = [id: number, op: null, ops: Array<[op: string, arg: unknown]>];
export type RunItem = OpItem | GroupItem;

export const enum ResultStatus {
  Ok = 0,
  Error = 1,
  /** Cancelled before it started (the main side had already given up on it). */
  Skipped = 2,
}

/** `[id, status, value or serialised error, run time in microseconds]`. */
export type ResultItem = [id: number, status: ResultStatus, value: unknown, runMicros: number];

/** One entry of a group's outcome. */
export type GroupOutcome = { ok: true; value: unknown } | { ok: false; error: SerializedError };

export type MainToOwner =
  | { type: 'open'; options: unknown }
  | { type: 'run'; items: RunItem[] }
  | { type: 'cancel'; ids: number[] }
  | { type: 'close' };

export type OwnerToMain =
  | { type: 'opened' }
  | { type: 'open-failed'; error: SerializedError }
  | { type: 'results'; items: ResultItem[] }
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
