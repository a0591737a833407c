/**
 * Versioning on a MySQL-protocol server. On a Dolt sql-server: Dolt's documented procedures and tables. On
 * MySQL/MariaDB (no versions): every operation is refused with `UnsupportedOperationError`.
 */
import type { MysqlStore } from './mysql-store.js';
import { unsupportedVersioning } from './unsupported-versioning.js';
import type { VersioningStore } from './versioning.js';

export function mysqlVersioning(store: MysqlStore): VersioningStore {
  return unsupportedVersioning(store.dialect);
}
