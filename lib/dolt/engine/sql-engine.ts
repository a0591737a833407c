/**
 * What the embedded store needs from a DoltLite engine: run one statement (rows, one value, or nothing), tell
 * whether a transaction is open, close. Two engines satisfy it: native libdoltlite in a Python host process
 * (native-engine.ts, the default) and the WebAssembly build in the owner thread (wasm-engine.ts, the fallback
 * that needs no Python). Every store operation is written once against this, so both behave the same.
 */
import { registerRemoteError } from '../../errors.js';
import { StoreError } from '../errors.js';

/** Which engine runs the store. */
export type DoltLiteEngineKind = 'native' | 'wasm';

export interface SqlEngine {
  readonly kind: DoltLiteEngineKind;
  /** The engine's own process (native), for diagnostics and tests; undefined when it runs in the owner thread. */
  readonly pid: number | undefined;
  rows(sql: string, bind?: unknown[]): Promise<Array<Record<string, unknown>>>;
  /** Rows as arrays of column values (no objects built: for large reads). */
  arrays(sql: string, bind?: unknown[]): Promise<unknown[][]>;
  /**
   * Rows as arrays of column values, as one JSON text: for reads so large that the owner thread should pass them
   * on as one string rather than build (and then copy to the caller) an object per row.
   */
  arraysJson(sql: string, bind?: unknown[]): Promise<string>;
  /** The first column of the first row (undefined or null when there is none). */
  value(sql: string, bind?: unknown[]): Promise<unknown>;
  exec(sql: string, bind?: unknown[]): Promise<void>;
  /**
   * Runs statements in order, as one request to the engine (one round trip to the native engine's process);
   * the first that fails rejects, and none after it runs. Results in order: rows, a value, or undefined.
   */
  batch(statements: Statement[]): Promise<unknown[]>;
  /** Whether a transaction is open after the last statement. */
  inTransaction(): boolean;
  close(): Promise<void>;
}

/** One statement of a batch and what it should return. */
export interface Statement {
  sql: string;
  bind?: unknown[];
  /** `rows` as objects, `arrays` as arrays of column values, the first `value`, or `none`. @default 'none' */
  want?: 'rows' | 'arrays' | 'value' | 'none';
  /** Runs only if the value of the batch's statement at this index was a number above 0 (else its result is undefined). */
  ifPositive?: number;
  /** Runs only if a transaction is open at that point. */
  ifInTransaction?: boolean;
}

/** A statement the engine refused: its message (never the SQL text) and SQLite's extended result code. */
export class EngineSqlError extends Error {
  constructor(
    message: string,
    readonly resultCode: number | undefined,
  ) {
    super(message);
  }
}

/**
 * The engine the store was asked for cannot run here (no Python environment with the `doltlite` package for
 * `native`; no `@dolthub/doltlite-wasm` for `wasm`; neither for `auto`). The message says what to install.
 * `code`: `ERR_STORE_ENGINE_UNAVAILABLE`.
 */
export class StoreEngineUnavailableError extends StoreError {}
registerRemoteError('ERR_STORE_ENGINE_UNAVAILABLE', StoreEngineUnavailableError);

export function engineUnavailable(message: string): StoreEngineUnavailableError {
  return new StoreEngineUnavailableError({ name: 'StoreEngineUnavailableError', message, code: 'ERR_STORE_ENGINE_UNAVAILABLE' });
}
