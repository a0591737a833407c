/**
 * `session-executor/store`: the version store. DoltLite embedded (the optional `@dolthub/doltlite-wasm`
 * package) or a Dolt sql-server / MySQL / MariaDB (the optional `mysql2` package); each client is loaded only
 * when its store is opened.
 */
export { DoltLiteStore } from '../dolt/doltlite-store.js';
export type { DoltLiteOptions } from '../dolt/doltlite-session.js';
export { MysqlStore } from '../dolt/mysql-store.js';
export type { MysqlPoolLike, MysqlStoreOptions } from '../dolt/mysql-store.js';
export type { MysqlSsl, MysqlTlsOptions } from '../dolt/mysql-connection-options.js';
export {
  DocumentTooLargeError,
  InvalidChangeError,
  PushRejectedError,
  RemoteIsSelfError,
  StoreAlreadyExistsError,
  StoreArgumentError,
  StoreExistsError,
  UnrelatedHistoriesError,
  UnresolvableMergeError,
  StoreConnectionError,
  StoreConstraintError,
  StoreError,
  StoreQueryError,
  StoreTimeoutError,
} from '../dolt/errors.js';
export { StoreFormatError } from '../dolt/doltlite-file.js';
export { PathLockedError, PathNotUsableError, StoreLockedError } from '../path-lock.js';
export { StoreEngineUnavailableError } from '../dolt/engine/sql-engine.js';
export type { DoltLiteEngineKind } from '../dolt/engine/sql-engine.js';
export { validateChangeSet } from '../dolt/validate-changes.js';
export { MAX_COLLECTION_NAME_LENGTH, MAX_ID_LENGTH, MAX_MESSAGE_BYTES } from '../dolt/version-store.js';
export type {
  ChangeSet,
  CommitInfo,
  DocumentChange,
  DocumentRecord,
  TableStatus,
  VersionStore,
} from '../dolt/version-store.js';
export type * from '../dolt/versioning.js';
export { UnsupportedOperationError } from '../dolt/versioning.js';
