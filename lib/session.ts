/**
 * Session definitions: declared once, in a module the owner thread imports; the main side gets the same
 * definition's types through {@link SessionSpec} without ever loading it.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TransferListItem } from 'node:worker_threads';
import { argError, describeValue } from './check-args.js';

/**
 * What the owner runtime offers a session besides its state. Each running operation gets its own context
 * (`signal` and `progress` are about that operation); `open` and `close` get one whose signal never fires
 * and whose `progress` does nothing.
 */
export interface OwnerContext {
  /**
   * Fires when the caller stops waiting for this operation: its deadline (`timeoutMs`) passed, its
   * `AbortSignal` fired, or the executor closed with `mode: 'cancel'`. `signal.reason` is the matching
   * `TimeoutError`, `AbortError` or `ClosedError`. The operation may stop early (throw, or return what it
   * has): its result is discarded either way. It is delivered as a message, so an operation that blocks the
   * thread (a synchronous loop) cannot see it; only async operations can.
   */
  readonly signal: AbortSignal;
  /**
   * Reports progress, or a partial result, to the caller's `onProgress` (values must be structured-cloneable).
   * Reports travel with results, batched per tick, and arrive in order before the operation's result. Does
   * nothing (and clones nothing) when the caller passed no `onProgress` or has already given up.
   */
  progress(value: unknown): void;
  /**
   * Tells the main thread about a child process the session started, so that if the owner thread is
   * terminated (wedged, crashed, or closed past its deadline) the main thread kills it with SIGKILL
   * instead of leaving it behind.
   */
  registerChildProcess(pid: number): void;
  /** Undoes {@link registerChildProcess} once the child has exited on its own. */
  unregisterChildProcess(pid: number): void;
}

/** An operation: works on the session state with one argument. May be sync or async. */
export type OpFunction<State> = (state: State, arg: any, context: OwnerContext) => unknown;

/** A session: how to open it, what it can do, how to dispose of it. */
export interface SessionDefinition<
  State = any,
  OpenOptions = any,
  Ops extends Record<string, OpFunction<State>> = Record<string, OpFunction<State>>,
> {
  /** Creates the session state. Runs in the owner thread, again after every restart. */
  open(options: OpenOptions, context: OwnerContext): State | Promise<State>;
  /** The operations callers can run. */
  ops: Ops;
  /** Disposes of the state on `close()`. Not called when the owner is terminated. */
  close?(state: State, context: OwnerContext): unknown;
}

/**
 * Declares a session. Use it as the default export of the module the owner thread loads:
 * @example
 * ```ts
 * export default defineSession({
 *   open: (options: { path: string }) => new Database(options.path),
 *   ops: { get: (db, id: string) => db.get(id) },
 *   close: (db) => db.close(),
 * });
 * ```
 */
export function defineSession<State, OpenOptions, Ops extends Record<string, OpFunction<State>>>(definition: {
  open(options: OpenOptions, context: OwnerContext): State | Promise<State>;
  ops: Ops & ThisType<void>;
  close?(state: State, context: OwnerContext): unknown;
}): SessionDefinition<State, OpenOptions, Ops> {
  // Checked where the mistake is made: otherwise it surfaces only as a failed open in the owner thread.
  if (typeof definition !== 'object' || definition === null) {
    throw argError(`defineSession: the definition must be an object { open, ops, close? }, got ${describeValue(definition)}`, 'ERR_INVALID_ARG_TYPE');
  }
  if (typeof definition.open !== 'function') {
    throw argError(`defineSession: open must be a function, got ${describeValue(definition.open)}`, 'ERR_INVALID_ARG_TYPE');
  }
  if (typeof definition.ops !== 'object' || definition.ops === null || Array.isArray(definition.ops)) {
    throw argError(`defineSession: ops must be an object of functions, got ${describeValue(definition.ops)}`, 'ERR_INVALID_ARG_TYPE');
  }
  for (const [name, op] of Object.entries(definition.ops)) {
    if (typeof op !== 'function') {
      throw argError(`defineSession: ops.${name} must be a function, got ${describeValue(op)}`, 'ERR_INVALID_ARG_TYPE');
    }
  }
  if (definition.close !== undefined && typeof definition.close !== 'function') {
    throw argError(`defineSession: close must be a function, got ${describeValue(definition.close)}`, 'ERR_INVALID_ARG_TYPE');
  }
  return definition;
}

/**
 * Brands a value made by {@link transfer}. A registered symbol, not a class: a session module may load its own
 * copy of this package, and the owner must still recognise what it returns.
 */
const TRANSFER = Symbol.for('session-executor.transfer');

/** An operation's result (or progress report) whose buffers move to the caller's thread; see {@link transfer}. */
export interface Transferred<T> {
  readonly [TRANSFER]: true;
  readonly value: T;
  readonly transferList: readonly TransferListItem[];
}

/**
 * Wraps what an operation returns (or reports as progress) so that the `ArrayBuffer`s (and ports) in
 * `transferList` move to the caller's thread instead of being copied: the caller receives `value` with those
 * buffers in it, and the owner's copies are detached (emptied) once the result is sent. A large reply held as
 * bytes (a JSON body read from a child process, say) then crosses the threads without a copy, and without the
 * owner's heap ever holding it as objects. List only buffers nothing else in the owner still uses, never one of
 * Node's pooled `Buffer`s (a `Buffer.allocUnsafe` of a few KB shares its `ArrayBuffer` with others): copy
 * such bytes into a buffer of their own first. A result that cannot be sent so (a detached buffer, the same
 * buffer listed twice in one message) fails alone with `ERR_SESSION_SERIALIZATION`, as an uncloneable one does.
 * @example
 * ```ts
 * ops: { read: (state, name: string) => { const bytes = readBytes(name); return transfer(bytes, [bytes.buffer]); } }
 * ```
 */
export function transfer<T>(value: T, transferList: readonly TransferListItem[]): Transferred<T> {
  if (!Array.isArray(transferList)) {
    throw argError(`transfer(value, transferList): transferList must be an array, got ${describeValue(transferList)}`, 'ERR_INVALID_ARG_TYPE');
  }
  return { [TRANSFER]: true, value, transferList };
}

/** @internal The owner's side of {@link transfer}: the value and its list, or null for any other value. */
export function unwrapTransfer(value: unknown): Transferred<unknown> | null {
  if (value === null || typeof value !== 'object') return null;
  try {
    return (value as Partial<Transferred<unknown>>)[TRANSFER] === true ? (value as Transferred<unknown>) : null;
  } catch {
    return null; // a hostile getter or a revoked Proxy: a plain value (cloning it reports what is wrong)
  }
}

/** Which session module the owner thread loads and what it opens it with; typed by the definition. */
export interface SessionSpec<Definition extends SessionDefinition = SessionDefinition> {
  /** URL (file: URL string) of a module whose default export is the session definition. */
  readonly module: string;
  /** Passed to the definition's `open`. Must be structured-cloneable. */
  readonly options: OpenOptionsOf<Definition>;
  /** Type carrier only; never set. */
  readonly definition?: Definition;
}

/**
 * Names a session module for the main side. `Definition` is `typeof import('./my-session.js').default`.
 * `module` is a URL (`new URL('./my-session.js', import.meta.url)`, the robust choice), a file path (absolute,
 * or relative to the current working directory), or a package specifier. Throws a `TypeError` for anything else.
 */
export function sessionSpec<Definition extends SessionDefinition>(
  module: URL | string,
  options: OpenOptionsOf<Definition>,
): SessionSpec<Definition> {
  return { module: moduleSpecifier(module), options };
}

/**
 * The specifier the owner thread imports. The owner is a module inside this package, so a relative path handed
 * to it as is would be resolved against the package's own folder: paths become file URLs here, on the caller's
 * side, where "relative" means relative to the working directory as it does for every other path option.
 */
function moduleSpecifier(module: URL | string): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module.trim() === '') {
    const code = typeof module === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE';
    throw argError(`sessionSpec: module must be a URL or a non-empty path; got ${typeof module === 'string' ? 'an empty string' : describeValue(module)}`, code);
  }
  if (module.includes('\0')) throw argError('sessionSpec: module must not contain a NUL character', 'ERR_INVALID_ARG_VALUE');
  const relative = /^\.\.?([\\/]|$)/.test(module);
  return relative || isAbsolute(module) ? pathToFileURL(resolve(module)).href : module;
}

export type OpsOf<D> = D extends SessionDefinition<any, any, infer Ops> ? Ops : never;
export type OpName<D> = keyof OpsOf<D> & string;
export type OpenOptionsOf<D> = D extends SessionDefinition<any, infer O, any> ? O : never;
export type OpArg<D, K extends OpName<D>> = OpsOf<D>[K] extends (state: any, arg: infer A, ...rest: any[]) => any
  ? A
  : never;
/** What an op returning `Transferred<T>` gives its caller: `T`. */
export type Untransferred<T> = T extends Transferred<infer V> ? V : T;
export type OpResult<D, K extends OpName<D>> = Untransferred<Awaited<ReturnType<OpsOf<D>[K]>>>;
