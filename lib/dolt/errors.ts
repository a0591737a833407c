/** Typed version-store errors, the same for DoltLite and the mysql2 store. */
import { RemoteError, SessionExecutorError, registerRemoteError } from '../errors.js';
import { redactMessage } from '../redact.js';

/** SQL the store ran was rejected by the database (syntax, missing table, ...). `details.sqlCode` has the code. */
export class StoreQueryError extends RemoteError {}
/** A constraint (primary key, not null, ...) was violated; the transaction was rolled back. */
export class StoreConstraintError extends RemoteError {}
/** The store could not reach its server, or the server went away mid-query. */
export class StoreConnectionError extends SessionExecutorError {
  constructor(message: string, cause?: unknown) {
    super('ERR_STORE_CONNECTION', message, { cause });
  }
}
/** A query exceeded its deadline. */
export class StoreTimeoutError extends SessionExecutorError {
  constructor(message: string, cause?: unknown) {
    super('ERR_STORE_TIMEOUT', message, { cause });
  }
}
/** A name (collection, branch) or request the store cannot use. */
export class StoreArgumentError extends RemoteError {}
/**
 * A change set (or documents to write) refused before anything was written: an empty commit message, an id
 * over the length limit, a malformed string, a duplicate id, a non-string content. `details.field` names what
 * was wrong and `details.index` which document (never the content itself).
 */
export class InvalidChangeError extends RemoteError {}
/** A document larger than the store can take in one statement (`details.limitBytes`); nothing was written. */
export class DocumentTooLargeError extends InvalidChangeError {}

registerRemoteError('ERR_STORE_QUERY', StoreQueryError);
registerRemoteError('ERR_STORE_CONSTRAINT', StoreConstraintError);
registerRemoteError('ERR_STORE_ARGUMENT', StoreArgumentError);
registerRemoteError('ERR_INVALID_CHANGE', InvalidChangeError);
registerRemoteError('ERR_DOCUMENT_TOO_LARGE', DocumentTooLargeError);

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
  return new InvalidChangeError({ name: 'InvalidChangeError', message, code: 'ERR_INVALID_CHANGE', details });
}

export function documentTooLarge(message: string, details: Record<string, unknown>): DocumentTooLargeError {
  return new DocumentTooLargeError({ name: 'DocumentTooLargeError', message, code: 'ERR_DOCUMENT_TOO_LARGE', details });
}
