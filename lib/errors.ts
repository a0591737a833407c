/**
 * The error family. Every error the library rejects with is a {@link SessionExecutorError} with a stable
 * `code` string (as undici does), so callers can branch on `err.code` or `instanceof` alike.
 */

/** Base class of every error this library produces. */
export class SessionExecutorError extends Error {
  /** Stable, documented identifier of the failure kind. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Where an operation was when its deadline passed or it was aborted. */
export type OpPhase = 'waiting' | 'queued' | 'running';

/**
 * The operation's `timeoutMs` passed before it settled.
 * `phase` is `waiting` (no room in the queue yet), `queued` (never sent to the owner; it was removed and will
 * not run) or `running` (handed to the owner: it may still run to completion, its result is discarded).
 */
export class TimeoutError extends SessionExecutorError {
  constructor(
    readonly op: string,
    readonly phase: OpPhase,
    readonly timeoutMs: number,
  ) {
    super('ERR_SESSION_TIMEOUT', `operation "${op}" timed out after ${timeoutMs} ms (${phase})`);
  }
}

/** The caller's AbortSignal fired before the operation settled. `cause` is the signal's reason. */
export class AbortError extends SessionExecutorError {
  constructor(
    readonly op: string,
    readonly phase: OpPhase,
    reason: unknown,
  ) {
    super('ERR_SESSION_ABORTED', `operation "${op}" was aborted (${phase})`, { cause: reason });
  }
}

/** The queue held `maxQueue` operations and the overflow policy is `reject`. */
export class QueueFullError extends SessionExecutorError {
  constructor(
    readonly op: string,
    readonly maxQueue: number,
  ) {
    super('ERR_SESSION_QUEUE_FULL', `queue full (${maxQueue} operations waiting); "${op}" was not accepted`);
  }
}

/** The owner thread died (exit, uncaught error, undeliverable message) while this operation was running in it. */
export class SessionCrashedError extends SessionExecutorError {
  constructor(
    readonly op: string,
    readonly exitCode: number | undefined,
    cause?: unknown,
  ) {
    super(
      'ERR_SESSION_CRASHED',
      `owner thread crashed while "${op}" was running` + (exitCode === undefined ? '' : ` (exit code ${exitCode})`),
      { cause },
    );
  }
}

/**
 * The owner was restarted while this operation was running in it, because some operation ran past
 * `hardDeadlineMs` (the owner was presumed wedged).
 */
export class SessionRestartedError extends SessionExecutorError {
  constructor(
    readonly op: string,
    readonly reason: string,
  ) {
    super('ERR_SESSION_RESTARTED', `owner restarted (${reason}) while "${op}" was running`);
  }
}

/** The owner failed `maxRestarts` times in a row; calls fail fast until `restart()` or `close()`. */
export class SessionFailedError extends SessionExecutorError {
  constructor(message: string, cause?: unknown) {
    super('ERR_SESSION_FAILED', message, { cause });
  }
}

/** The session's `open` failed or did not finish within `openTimeoutMs`. */
export class SessionOpenError extends SessionExecutorError {
  constructor(message: string, cause?: unknown) {
    super('ERR_SESSION_OPEN', message, { cause });
  }
}

/**
 * The executor is closing or closed. `started` tells the two cases apart: `false` means the operation never ran
 * (it was not accepted, or was still waiting when the executor closed); `true` means it had started in the owner
 * and was abandoned while running when the close ran out of time: it may or may not have had its effects.
 */
export class ClosedError extends SessionExecutorError {
  constructor(
    readonly op: string,
    readonly started = false,
  ) {
    super(
      'ERR_SESSION_CLOSED',
      started
        ? `executor closed while "${op}" was running; its result was abandoned`
        : `executor is closed; "${op}" did not run`,
    );
  }
}

/** An argument or a result could not be copied between threads (structured clone failed). */
export class SerializationError extends SessionExecutorError {
  constructor(
    readonly op: string,
    readonly direction: 'argument' | 'result',
    cause?: unknown,
  ) {
    super('ERR_SESSION_SERIALIZATION', `the ${direction} of "${op}" cannot be sent between threads`, { cause });
  }
}

/**
 * An operation threw inside the owner. `remoteName`, `message`, `stack`, `code` and `cause` are the thrown
 * error's own (a thrown non-Error value becomes the message, with `remoteName` `'NonError'`).
 * Sessions may raise subclasses by code: see {@link registerRemoteError}.
 */
export class RemoteError extends SessionExecutorError {
  /** The `name` of the error thrown in the owner (e.g. `TypeError`, or a Python type name). */
  readonly remoteName: string;
  /** Extra fields the thrown error carried, such as a Python exception type. */
  readonly details: Record<string, unknown>;

  constructor(
    init: { name: string; message: string; code?: string; stack?: string; details?: Record<string, unknown> },
    options?: { cause?: unknown },
  ) {
    super(init.code ?? 'ERR_SESSION_REMOTE', init.message, options);
    this.remoteName = init.name;
    this.details = init.details ?? {};
    if (init.stack) this.stack = init.stack;
  }
}

type RemoteErrorClass = new (
  init: ConstructorParameters<typeof RemoteError>[0],
  options?: { cause?: unknown },
) => RemoteError;

const remoteErrorClasses = new Map<string, RemoteErrorClass>();

/**
 * Makes errors thrown in an owner with this `code` arrive on the main side as instances of `cls`, so
 * `instanceof` works across the thread boundary. Sessions register their error kinds at module load.
 */
export function registerRemoteError(code: string, cls: RemoteErrorClass): void {
  remoteErrorClasses.set(code, cls);
}

/** @internal */
export function remoteErrorClassFor(code: string | undefined): RemoteErrorClass {
  return (code && remoteErrorClasses.get(code)) || RemoteError;
}

/** The operation name is not one the session defines (raised in the owner, code `ERR_SESSION_UNKNOWN_OP`). */
export class UnknownOpError extends RemoteError {}
registerRemoteError('ERR_SESSION_UNKNOWN_OP', UnknownOpError);

