/** Picks the {@link VersioningStore} for a version store: DoltLite's, a Dolt server's, or a refusing one. */
import { DoltLiteStore } from './doltlite-store.js';
import { DoltLiteVersioning } from './doltlite-versioning-client.js';
import { MysqlStore } from './mysql-store.js';
import { mysqlVersioning } from './mysql-versioning.js';
import type { VersionStore } from './version-store.js';
import { unsupportedVersioning } from './unsupported-versioning.js';
import type { VersioningStore } from './versioning.js';

export function versioningFor(store: VersionStore): VersioningStore {
  if (store instanceof DoltLiteStore) return new DoltLiteVersioning(store);
  if (store instanceof MysqlStore) return mysqlVersioning(store);
  return unsupportedVersioning(store.dialect);
}

