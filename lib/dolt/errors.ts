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
/** A branch, tag or remote of that name exists already (`details.kind`, `details.name`); nothing was changed. */
export class StoreAlreadyExistsError extends StoreArgumentError {}
/**
 * A change set (or documents to write) refused before anything was written: an empty commit message, an id
 * over the length limit, a malformed string, a duplicate id, a non-string content. `details.field` names what
 * was wrong and `details.index` which document (never the content itself).
 */
export class InvalidChangeError extends StoreArgumentError {}
/** A document larger than the store can take in one statement (`details.limitBytes`); nothing was written. */
export class DocumentTooLargeError extends InvalidChangeError {}
/**
 * The two commits of a merge or pull share no history (a remote or branch that started in another store):
 * there is nothing to merge them from. Refused before the branch moves; `details.ours`, `details.theirs`.
 */
export class UnrelatedHistoriesError extends StoreArgumentError {}
/**
 * A merge whose conflicts cannot be settled document by document (both sides gave a collection different
 * metadata: `details.tables` names the store tables in conflict). The merge was aborted; nothing changed.
 */
export class UnresolvableMergeError extends StoreArgumentError {}
/** The remote branch has commits this branch lacks: pull (merge them) first. Nothing was pushed. */
export class PushRejectedError extends StoreArgumentError {}
/**
 * The remote is this store's own file (under another spelling: relative, through a symbolic link, a hard link,
 * `file://localhost/...`): pushing to it would write the store into itself. `details.remote`, `details.url`.
 */
export class RemoteIsSelfError extends StoreArgumentError {}
/** A store file exists already where a clone was to create one (`details.path`); nothing was changed. */
export class StoreExistsError extends StoreArgumentError {}

registerRemoteError('ERR_STORE_QUERY', StoreQueryError);
registerRemoteError('ERR_STORE_CONSTRAINT', StoreConstraintError);
registerRemoteError('ERR_STORE_ARGUMENT', StoreArgumentError);
registerRemoteError('ERR_STORE_ALREADY_EXISTS', StoreAlreadyExistsError);
registerRemoteError('ERR_STORE_INVALID_CHANGE', InvalidChangeError);
registerRemoteError('ERR_STORE_DOCUMENT_TOO_LARGE', DocumentTooLargeError);
registerRemoteError('ERR_STORE_UNRELATED_HISTORIES', UnrelatedHistoriesError);
registerRemoteError('ERR_STORE_MERGE_UNRESOLVABLE', UnresolvableMergeError);
registerRemoteError('ERR_STORE_PUSH_REJECTED', PushRejectedError);
registerRemoteError('ERR_STORE_REMOTE_IS_SELF', RemoteIsSelfError);
registerRemoteError('ERR_STORE_EXISTS', StoreExistsError);

/**
 * An SQL statement the engine quoted into its message (`...: SELECT dolt_commit(...)`), from its first keyword
 * to the end. Upper case only, as engines echo statements and as this library writes them: English text in a
 * message does not match.
 */
const STATEMENT = /(?::\s*|\s+|^)(?:SELECT|INSERT|UPDATE|DELETE|REPLACE|CALL|CREATE|DROP|ALTER|WITH|PRAGMA|SET|BEGIN|COMMIT|ROLLBACK)\s[\s\S]*$/;

/** The message without a quoted statement; never empty. */
export function withoutStatement(message: string): string {
  const kept = message.replace(STATEMENT, '').trim();
  return kept === '' ? 'the statement was rejected' : kept;
}

/**
 * A query or constraint error carrying the database's code but never the SQL text. Thrown in an owner thread,
 * it arrives on the main thread as the same class (by its code).
 */
export function storeError(constraint: boolean, message: string, sqlCode: string | number | undefined): RemoteError {
  const name = constraint ? 'StoreConstraintError' : 'StoreQueryError';
  // Database messages quote the offending values (document ids, content bytes): keep only the names.
  const init = { name, message: redactMessage(withoutStatement(message)), code: constraint ? 'ERR_STORE_CONSTRAINT' : 'ERR_STORE_QUERY', details: { sqlCode } };
  return constraint ? new StoreConstraintError(init) : new StoreQueryError(init);
}

export function storeArgumentError(message: string): StoreArgumentError {
  return new StoreArgumentError({ name: 'StoreArgumentError', message, code: 'ERR_STORE_ARGUMENT' });
}

export function alreadyExists(kind: 'branch' | 'tag' | 'remote', name: string): StoreAlreadyExistsError {
  return new StoreAlreadyExistsError({
    name: 'StoreAlreadyExistsError',
    message: `a ${kind} named ${JSON.stringify(name)} exists already`,
    code: 'ERR_STORE_ALREADY_EXISTS',
    details: { kind, name },
  });
}

const BRANCH_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;
/**
 * Forms Dolt refuses as ref names even though their characters are allowed (Git's ref rules): `..`, an empty
 * path component (`a//b`, a trailing `/`), a component starting with `.` or ending with `.lock`, a trailing `.`,
 * and `HEAD`, which names the current commit. Checked here so they are a `StoreArgumentError`, not the engine's.
 */
const REFUSED_REF_FORM = /\.\.|\/\/|\/$|\/\.|\.lock(?:\/|$)|\.$|^HEAD$/;
/** Branch, tag and remote names share one form; `kind` only names it in the message. */
export function checkBranchName(name: string, kind: 'branch' | 'tag' | 'remote' = 'branch'): void {
  const shown = typeof name === 'string' ? JSON.stringify(name) : String(name);
  if (typeof name !== 'string' || !BRANCH_NAME.test(name) || REFUSED_REF_FORM.test(name)) throw storeArgumentError(`invalid ${kind} name: ${shown}`);
}

export function invalidChange(message: string, details: Record<string, unknown> = {}): InvalidChangeError {
  return new InvalidChangeError({ name: 'InvalidChangeError', message, code: 'ERR_STORE_INVALID_CHANGE', details });
}

export function documentTooLarge(message: string, details: Record<string, unknown>): DocumentTooLargeError {
  return new DocumentTooLargeError({ name: 'DocumentTooLargeError', message, code: 'ERR_STORE_DOCUMENT_TOO_LARGE', details });
}

export function unrelatedHistories(ours: string, theirs: string): UnrelatedHistoriesError {
  return new UnrelatedHistoriesError({
    name: 'UnrelatedHistoriesError',
    message: `${theirs} shares no history with ${ours} (no common ancestor); nothing was changed`,
    code: 'ERR_STORE_UNRELATED_HISTORIES',
    details: { ours, theirs },
  });
}

export function unresolvableMerge(theirs: string, tables: string[]): UnresolvableMergeError {
  return new UnresolvableMergeError({
    name: 'UnresolvableMergeError',
    message: `merging ${theirs} conflicts in ${tables.join(', ')} (both sides changed a collection's metadata differently); the merge was aborted and nothing changed`,
    code: 'ERR_STORE_MERGE_UNRESOLVABLE',
    details: { tables },
  });
}

export function pushRejected(remote: string, branch: string): PushRejectedError {
  return new PushRejectedError({
    name: 'PushRejectedError',
    message: `${remote}/${branch} has commits ${branch} lacks: pull them first; nothing was pushed`,
    code: 'ERR_STORE_PUSH_REJECTED',
    details: { remote, branch },
  });
}

export function remoteIsSelf(remote: string, url: string): RemoteIsSelfError {
  return new RemoteIsSelfError({
    name: 'RemoteIsSelfError',
    message: `remote ${JSON.stringify(remote)} (${url}) is this store's own file: a remote must be another store`,
    code: 'ERR_STORE_REMOTE_IS_SELF',
    details: { remote, url },
  });
}

export function storeExists(path: string): StoreExistsError {
  return new StoreExistsError({
    name: 'StoreExistsError',
    message: `cannot clone into ${path}: a file exists there already (clone into a new path)`,
    code: 'ERR_STORE_EXISTS',
    details: { path },
  });
}

/** An unknown branch, tag or remote named in an operation on it: the caller's mistake, not the engine's. */
export function unknownName(kind: 'branch' | 'tag' | 'remote', name: string): StoreArgumentError {
  return storeArgumentError(`unknown ${kind} ${JSON.stringify(name)}`);
}
