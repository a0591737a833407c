/** The versioning of a store without versions (MySQL/MariaDB without Dolt): every operation is refused. */
import { UnsupportedOperationError, type VersioningStore } from './versioning.js';

/** Every operation rejects with {@link UnsupportedOperationError} naming it; nothing is sent to the server. */
export function unsupportedVersioning(dialect: string): VersioningStore {
  return new Proxy({} as VersioningStore, {
    get: (_target, operation) =>
      // 'then' must stay undefined, or awaiting the object would call it.
      typeof operation === 'string' && operation !== 'then'
        ? () => Promise.reject(new UnsupportedOperationError(operation, dialect))
        : undefined,
  });
}
