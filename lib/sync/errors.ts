/** Typed errors of the sync layer (bad input is InvalidChangeError, shared with the version stores). */
import { SessionExecutorError } from '../errors.js';

/**
 * A `writeDocuments` stopped part way (an operation failed, timed out, or its session crashed). Every document
 * is at its previous or its new version, never a mix: `written` lists the documents now at their new version,
 * `notWritten` those still at their previous one, and `unconfirmed` (empty unless the check after the failure
 * failed too) those that may be at either. The failure is the `cause`.
 */
export class SyncWriteError extends SessionExecutorError {
  constructor(
    message: string,
    readonly written: string[],
    readonly notWritten: string[],
    readonly unconfirmed: string[],
    cause: unknown,
  ) {
    super('ERR_SYNC_WRITE_INCOMPLETE', message, { cause });
  }
}

/**
 * A record whose id is the document id belongs to another document (its `source_id` differs): writing would
 * overwrite that document's chunk. Nothing was written. `docIds` lists the documents concerned.
 */
export class ChunkIdConflictError extends SessionExecutorError {
  constructor(readonly docIds: string[]) {
    super('ERR_SYNC_ID_CONFLICT', `${docIds.length} document id(s) are ids of another document's chunks; nothing was written`);
  }
}
