/**
 * Everything that crosses the boundary between the main thread and the owner thread: message shapes, their
 * encoding and decoding (both directions), the shared progress counters, and error serialisation.
 *
 * Operations and results travel as flat arrays, not objects: a message carries everything queued in one tick,
 * and per-item objects or tuples would make structured clone the largest cost of a round trip. Only this file
 * knows the flat layouts; both sides read and write them through the accessors below.
 */
import { RemoteError, remoteErrorClassFor } from './errors.js';

// ---- main -> owner: work ----------------------------------------------------------------------------------

/**
 * Work for the owner: `[id, op, arg, id, op, arg, ...]`. The id is negated when the caller asked for progress
 * reports, so the flag costs nothing to clone. `op` is null for a group (a batch run back to back), whose `arg`
 * is `[[op, arg], ...]`. Run messages are the only main -> owner messages that are arrays.
 */
export type RunMessage = unknown[] & { readonly kind?: 'run' };
const RUN_STRIDE = 3;

/** What the main side knows about one operation to send. */
export interface RunSource {
  readonly id: number;
  readonly op: string | null;
  readonly arg: unknown;
  readonly onProgress: ((value: unknown) => void) | undefined;
}

/** Encodes `items[start..end)` as one run message. */
export function encodeRun(items: readonly RunSource[], start = 0, end = items.length): RunMessage {
  const message: RunMessage = new Array((end - start) * RUN_STRIDE);
  let at = 0;
  for (let i = start; i < end; i++) {
    const item = items[i]!;
    message[at++] = item.onProgress === undefined ? item.id : -item.id;
    message[at++] = item.op;
    message[at++] = item.arg;
  }
  return message;
}

export const runCount = (message: RunMessage): number => message.length / RUN_STRIDE;
export const runId = (message: RunMessage, index: number): number => Math.abs(message[index * RUN_STRIDE] as number);
export const runWantsProgress = (message: RunMessage, index: number): boolean => (message[index * RUN_STRIDE] as number) < 0;
export const runOp = (message: RunMessage, index: number): string | null => message[index * RUN_STRIDE + 1] as string | null;

/** Returns the argument and clears its slot, so a large argument is not kept alive until the whole message is done. */
export function takeRunArg(message: RunMessage, index: number): unknown {
  const slot = index * RUN_STRIDE + 2;
  const arg = message[slot];
  message[slot] = undefined;
  return arg;
}

/** A batch's argument: the operations it runs back to back. */
export type GroupArg = Array<[op: string, arg: unknown]>;

export function encodeGroup(ops: ReadonlyArray<{ op: string; arg: unknown }>): GroupArg {
  return ops.map(({ op, arg }) => [op, arg]);
}

/** Why the main side gave up on an operation it had sent; the owner turns it into the op's abort reason. */
export type CancelReason = { why: 'timeout'; timeoutMs: number } | { why: 'abort' } | { why: 'closed' };
export interface CancelItem {
  id: number;
  reason: CancelReason;
}

export type MainToOwner = RunMessage | { type: 'open'; options: unknown } | { type: 'cancel'; items: CancelItem[] } | { type: 'close' };

// ---- owner -> main: results -------------------------------------------------------------------------------

export const enum ResultStatus {
  Ok = 0,
  Error = 1,
  /** Cancelled before it started (the main side had already given up on it). */
  Skipped = 2,
  /** Not a result: a progress report of a running operation; its result follows later. */
  Progress = 3,
  /** A progress report whose value could not be cloned; it was dropped. */
  ProgressDropped = 4,
}

/** Results, flattened the same way: `[id, status, value or serialised error, run time in us, ...]`. */
export type ResultMessage = unknown[] & { readonly kind?: 'result' };
const RESULT_STRIDE = 4;

export function pushResult(message: ResultMessage, id: number, status: ResultStatus, value: unknown, runMicros: number): void {
  message.push(id, status, value, runMicros);
}

export const resultCount = (message: ResultMessage): number => message.length / RESULT_STRIDE;
export const resultId = (message: ResultMessage, index: number): number => message[index * RESULT_STRIDE] as number;
export const resultStatus = (message: ResultMessage, index: number): ResultStatus =>
  message[index * RESULT_STRIDE + 1] as ResultStatus;
export const resultValue = (message: ResultMessage, index: number): unknown => message[index * RESULT_STRIDE + 2];
export const resultRunMicros = (message: ResultMessage, index: number): number => message[index * RESULT_STRIDE + 3] as number;

/** One result of `message` as a message of its own (to find which one cannot be cloned). */
export function resultAt(message: ResultMessage, index: number): ResultMessage {
  return message.slice(index * RESULT_STRIDE, (index + 1) * RESULT_STRIDE);
}

/** Replaces the value (and status) of result `index`. */
export function replaceResult(message: ResultMessage, index: number, status: ResultStatus, value: unknown): void {
  message[index * RESULT_STRIDE + 1] = status;
  message[index * RESULT_STRIDE + 2] = value;
}

/** One entry of a group's outcome. */
export type GroupOutcome = { ok: true; value: unknown } | { ok: false; error: SerializedError };

export type OwnerToMain =
  | ResultMessage
  | { type: 'opened'; ops: string[] }
  | { type: 'open-failed'; error: SerializedError }
  | { type: 'child-process'; pid: number }
  | { type: 'closed'; error?: SerializedError };

// ---- the owner thread's start data and shared counters ---------------------------------------------------

/** Data passed to a new owner thread. */
export interface OwnerWorkerData {
  /** URL of the module whose default export is the session definition. */
  sessionModule: string;
  /** Shared progress counters, see {@link OwnerCounters}. */
  progress: SharedArrayBuffer;
  /** Maximum number of operations the owner runs at once. */
  concurrency: number;
}

/**
 * Counters the owner bumps without sending a message, so the main side can tell, even after the owner died,
 * which dispatched items had started (items start in dispatch order) and whether the running one is stuck.
 */
export class OwnerCounters {
  static readonly BYTES = 16;
  private readonly ints: Int32Array;
  private readonly clock: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(OwnerCounters.BYTES)) {
    this.ints = new Int32Array(buffer, 0, 2);
    this.clock = new Float64Array(buffer, 8, 1);
  }

  /** Items started so far, including skipped ones. */
  get started(): number {
    return Atomics.load(this.ints, 0);
  }

  get finished(): number {
    return Atomics.load(this.ints, 1);
  }

  /** Wall-clock ms (comparable with the main thread's Date.now()) of the last start. */
  get lastStartAt(): number {
    return this.clock[0]!;
  }

  markStarted(wallClockMs: number): void {
    Atomics.add(this.ints, 0, 1);
    this.clock[0] = wallClockMs;
  }

  setLastStartAt(wallClockMs: number): void {
    this.clock[0] = wallClockMs;
  }

  markFinished(): void {
    Atomics.add(this.ints, 1, 1);
  }
}

/** Whether `value` can cross threads (used only after a send failed, to find which value was at fault). */
export function isCloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

// ---- errors ------------------------------------------------------------------------------------------------

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  details?: Record<string, unknown>;
  cause?: SerializedError;
}

const MAX_CAUSE_DEPTH = 8;

/**
 * Turns anything thrown into a plain object that survives structured clone. Never throws: every property is
 * read on its own (a getter that throws loses only that property), so a hostile or broken error still arrives
 * as a `RemoteError` instead of taking the owner down.
 */
export function serializeError(thrown: unknown, depth = 0): SerializedError {
  if (!isErrorLike(thrown)) return { name: 'NonError', message: describeValue(thrown) };
  const error = thrown as Error & { code?: unknown; details?: unknown; cause?: unknown };
  const out: SerializedError = {
    name: read(() => String(error.name), 'Error'),
    message: read(() => String(error.message), '(the error message could not be read)'),
  };
  const stack = read(() => error.stack, undefined);
  if (stack !== undefined) out.stack = read(() => String(stack), undefined);
  const code = read(() => error.code, undefined);
  if (code !== undefined && code !== null) {
    const text = read(() => String(code), undefined);
    if (text !== undefined) out.code = text;
  }
  const details = read(() => error.details, undefined);
  if (details && typeof details === 'object') out.details = clonePlain(details);
  const cause = read(() => error.cause, undefined);
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeError(cause, depth + 1);
  return out;
}

/** Rebuilds a serialised owner error as a {@link RemoteError} (or the subclass registered for its code). */
export function deserializeError(error: SerializedError): RemoteError {
  const cause = error.cause ? deserializeError(error.cause) : undefined;
  const options = cause === undefined ? undefined : { cause };
  try {
    return new (remoteErrorClassFor(error.code))(error, options);
  } catch {
    // A registered subclass whose constructor throws must not turn an error report into a crash.
    return new RemoteError(error, options);
  }
}

function isErrorLike(value: unknown): boolean {
  try {
    return value instanceof Error;
  } catch {
    return false; // a revoked Proxy throws even on instanceof
  }
}

function describeValue(value: unknown): string {
  return read(
    () => (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))),
    read(() => String(value), '(a thrown value that could not be read)'),
  );
}

function read<T, F>(get: () => T, fallback: F): T | F {
  try {
    return get();
  } catch {
    return fallback;
  }
}

function clonePlain(value: object): Record<string, unknown> {
  try {
    return structuredClone(value) as Record<string, unknown>;
  } catch {
    return {};
  }
}
