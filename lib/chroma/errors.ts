/**
 * Typed Chroma errors, the same for the embedded (Python) and the remote (HTTP) session. They are thrown in
 * the owner thread with a `code` and arrive on the main thread as these classes (see registerRemoteError).
 */
import { RemoteError, registerRemoteError } from '../errors.js';
import { redactMessage } from '../redact.js';

/** Any Chroma failure not covered by a more specific class. `details.pythonType` names a Python exception. */
export class ChromaError extends RemoteError {}
/** Creating a collection whose name is taken. */
export class CollectionExistsError extends ChromaError {}
/** Using a collection that does not exist. */
export class CollectionNotFoundError extends ChromaError {}
/** Bad input: a collection name, metadata, an embedding of the wrong dimension, a where clause. */
export class ChromaInvalidArgumentError extends ChromaError {}
/** The Chroma server could not be reached or dropped the connection (remote session). */
export class ChromaConnectionError extends ChromaError {}
/** A request to the Chroma server passed its own deadline (remote session). */
export class ChromaTimeoutError extends ChromaError {}

export const CHROMA_ERROR_CODES = {
  collection_exists: 'ERR_CHROMA_COLLECTION_EXISTS',
  collection_not_found: 'ERR_CHROMA_COLLECTION_NOT_FOUND',
  invalid_argument: 'ERR_CHROMA_INVALID_ARGUMENT',
  connection: 'ERR_CHROMA_CONNECTION',
  timeout: 'ERR_CHROMA_TIMEOUT',
  internal: 'ERR_CHROMA',
} as const;
export type ChromaErrorKind = keyof typeof CHROMA_ERROR_CODES;

registerRemoteError(CHROMA_ERROR_CODES.internal, ChromaError);
registerRemoteError(CHROMA_ERROR_CODES.collection_exists, CollectionExistsError);
registerRemoteError(CHROMA_ERROR_CODES.collection_not_found, CollectionNotFoundError);
registerRemoteError(CHROMA_ERROR_CODES.invalid_argument, ChromaInvalidArgumentError);
registerRemoteError(CHROMA_ERROR_CODES.connection, ChromaConnectionError);
registerRemoteError(CHROMA_ERROR_CODES.timeout, ChromaTimeoutError);

/**
 * Builds the error an owner-side session throws; it crosses the thread boundary by its code. Chroma's messages
 * quote the values they refused (metadata, documents): those are redacted, names stay.
 */
export function chromaError(kind: ChromaErrorKind, message: string, details: Record<string, unknown> = {}): Error {
  const error = new Error(redactMessage(message)) as Error & { code: string; details: Record<string, unknown> };
  error.name = kind === 'internal' ? 'ChromaError' : kindName[kind];
  error.code = CHROMA_ERROR_CODES[kind];
  error.details = details;
  return error;
}

const kindName: Record<ChromaErrorKind, string> = {
  collection_exists: 'CollectionExistsError',
  collection_not_found: 'CollectionNotFoundError',
  invalid_argument: 'ChromaInvalidArgumentError',
  connection: 'ChromaConnectionError',
  timeout: 'ChromaTimeoutError',
  internal: 'ChromaError',
};
