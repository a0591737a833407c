/**
 * Typed version-store errors, the same for DoltLite and the mysql2 store: the same failure is the same class on
 * every store, and the class is chosen from the database's error code, never from message text.
 */
import { RemoteError, registerRemoteError } from '../errors.js';
import { redactMessage } from '../redact.js';

/** Base of every version-store failure (beside `ChromaError` for Chroma). `code` is `ERR_STORE_*`. */
export class StoreError extends RemoteError {}
/** SQL the store ran was rejected by the database (syntax, missing table, ...). `details.sqlCode` has the code. */
export class StoreQueryError extends StoreError {}
/** A constraint (primary key, not null, ...) was violated; the transaction was rolled back. */
export class StoreConstraintError extends StoreError {}
/** The store could not reach its server, or the server went away mid-query. */
export class StoreConnectionError extends StoreError {
  constructor(message: string, cause?: unknown) {
    super({ name: 'StoreConnectionError', message, code: 'ERR_STORE_CONNECTION' }, { cause });
  }
}
/** A query exceeded its deadline. */
export class StoreTimeoutError extends StoreError {
  constructor(message: string, cause?: unknown) {
    super({ name: 'StoreTimeoutError', message, code: 'ERR_STORE_TIMEOUT' }, { cause });
  }
}
/** A name (collection, branch), a commit, or a request the store cannot use: unknown commits included. */
export class StoreArgumentError extends StoreError {}
/**
 * A change set (or documents to write) refused before anything was written: an empty commit message, an id
 * over the length limit, a malformed string, a duplicate id, a non-string content. `details.field` names what
 * was wrong and `details.index` which document (never the content itself).
 */
export class InvalidChangeError extends StoreArgumentError {}
/** A document larger than the store can take in one statement (`details.limitBytes`); nothing was written. */
export class DocumentTooLargeError extends InvalidChangeError {}

registerRemoteError('ERR_STORE_QUERY', StoreQueryError);
registerRemoteError('ERR_STORE_CONSTRAINT', StoreConstraintError);
registerRemoteError('ERR_STORE_ARGUMENT', StoreArgumentError);
registerRemoteError('ERR_STORE_INVALID_CHANGE', InvalidChangeError);
registerRemoteError('ERR_STORE_DOCUMENT_TOO_LARGE', DocumentTooLargeError);

/**
 * A query or constraint error carrying the database's code but never the SQL text. Thrown in an owner thread,
 * it arrives on the main thread as the same class (by its code).
 */
export function storeError(constraint: boolean, message: string, sqlCode: string | number | undefined): RemoteError {
  const name = constraint ? 'StoreConstraintError' : 'StoreQueryError';
  // Database messages quote the offending values (document ids, content bytes): keep only the names.
  const init = { name, message: redactMessage(message), code: constraint ? 'ERR_STORE_CONSTRAINT' : 'ERR_STORE_QUERY', details: { sqlCode } };
  return constraint ? new StoreConstraintError(init) : new StoreQueryError(init);
}

export function storeArgumentError(message: string): StoreArgumentError {
  return new StoreArgumentError({ name: 'StoreArgumentError', message, code: 'ERR_STORE_ARGUMENT' });
}

const BRANCH_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;
export function checkBranchName(name: string): void {
  if (!BRANCH_NAME.test(name) || name.includes('..')) throw storeArgumentError(`invalid branch name: ${JSON.stringify(name)}`);
}

export function invalidChange(message: string, details: Record<string, unknown> = {}): InvalidChangeError {
  return new InvalidChangeError({ name: 'InvalidChangeError', message, code: 'ERR_STORE_INVALID_CHANGE', details });
}

export function documentTooLarge(message: string, details: Record<string, unknown>): DocumentTooLargeError {
  return new DocumentTooLargeError({ name: 'DocumentTooLargeError', message, code: 'ERR_STORE_DOCUMENT_TOO_LARGE', details });
}
