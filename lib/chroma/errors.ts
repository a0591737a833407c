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
/**
 * An embedding function could not be loaded or run: chromadb's default model is not downloaded and cannot be
 * (offline), its package is missing, or the name is unknown. The message says what to pass instead.
 */
export class ChromaEmbeddingUnavailableError extends ChromaError {}
/**
 * The embedding function given for a collection is not the one it was built with: another name, or vectors of
 * another dimension. The message names both; `details` has `collectionFunction`, `collectionDimension`,
 * `givenFunction`, `givenDimension`.
 */
export class ChromaEmbeddingMismatchError extends ChromaError {}

export const CHROMA_ERROR_CODES = {
  collection_exists: 'ERR_CHROMA_COLLECTION_EXISTS',
  collection_not_found: 'ERR_CHROMA_COLLECTION_NOT_FOUND',
  invalid_argument: 'ERR_CHROMA_INVALID_ARGUMENT',
  connection: 'ERR_CHROMA_CONNECTION',
  timeout: 'ERR_CHROMA_TIMEOUT',
  embedding_unavailable: 'ERR_CHROMA_EMBEDDING_UNAVAILABLE',
  embedding_mismatch: 'ERR_CHROMA_EMBEDDING_MISMATCH',
  internal: 'ERR_CHROMA',
} as const;
export type ChromaErrorKind = keyof typeof CHROMA_ERROR_CODES;

registerRemoteError(CHROMA_ERROR_CODES.internal, ChromaError);
registerRemoteError(CHROMA_ERROR_CODES.collection_exists, CollectionExistsError);
registerRemoteError(CHROMA_ERROR_CODES.collection_not_found, CollectionNotFoundError);
registerRemoteError(CHROMA_ERROR_CODES.invalid_argument, ChromaInvalidArgumentError);
registerRemoteError(CHROMA_ERROR_CODES.connection, ChromaConnectionError);
registerRemoteError(CHROMA_ERROR_CODES.timeout, ChromaTimeoutError);
registerRemoteError(CHROMA_ERROR_CODES.embedding_unavailable, ChromaEmbeddingUnavailableError);
registerRemoteError(CHROMA_ERROR_CODES.embedding_mismatch, ChromaEmbeddingMismatchError);

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
  embedding_unavailable: 'ChromaEmbeddingUnavailableError',
  embedding_mismatch: 'ChromaEmbeddingMismatchError',
  internal: 'ChromaError',
};

const classOf = {
  collection_exists: CollectionExistsError,
  collection_not_found: CollectionNotFoundError,
  invalid_argument: ChromaInvalidArgumentError,
  connection: ChromaConnectionError,
  timeout: ChromaTimeoutError,
  embedding_unavailable: ChromaEmbeddingUnavailableError,
  embedding_mismatch: ChromaEmbeddingMismatchError,
  internal: ChromaError,
} satisfies Record<ChromaErrorKind, typeof ChromaError>;

/** The same typed error, raised on the main thread (by the facade, before anything reaches the owner). */
export function chromaErrorHere(kind: ChromaErrorKind, message: string, details: Record<string, unknown> = {}): ChromaError {
  const ErrorClass = classOf[kind];
  return new ErrorClass({ name: kindName[kind], message, code: CHROMA_ERROR_CODES[kind], details });
}
