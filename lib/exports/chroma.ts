/**
 * `session-executor/chroma`: Chroma behind an owner thread, embedded (a Python chromadb PersistentClient; see
 * `npx session-executor setup-python`) or remote (the optional `chromadb` npm package against a server).
 */
export { Chroma } from '../chroma/chroma.js';
export type { ChromaOptions, ChromaSessionDefinition, CollectionParams, CreateCollectionParams, WriteRecords } from '../chroma/chroma.js';
export { Collection } from '../chroma/collection.js';
export type { AddRecordsParams, DeleteParams, GetParams, QueryParams } from '../chroma/collection.js';
export type { EmbeddingFunction, EmbeddingFunctionSpec, ResolvedEmbedding } from '../chroma/embedding.js';
export type { ChromaOps, ChromaOpTable } from '../chroma/ops.js';
export type { PythonChromaOptions } from '../chroma/python-session.js';
export type { HttpChromaOptions } from '../chroma/http-session.js';
export {
  CHROMA_ERROR_CODES,
  ChromaConnectionError,
  ChromaEmbeddingMismatchError,
  ChromaEmbeddingUnavailableError,
  ChromaError,
  ChromaInvalidArgumentError,
  ChromaTimeoutError,
  CollectionExistsError,
  CollectionNotFoundError,
} from '../chroma/errors.js';
export { ChromaLockedError, PathLockedError, PathNotUsableError } from '../path-lock.js';
export { hashEmbedder } from '../chroma/hash-embedder.js';
export type { Embedder, HashEmbeddingFunction } from '../chroma/hash-embedder.js';
export type * from '../chroma/types.js';
export { PYTHON_ENV_VARIABLE, PythonEnvironmentError, findPython, resolvePython } from '../python/discovery.js';
export type { PythonChoice } from '../python/discovery.js';
export { PythonSetupError, provisionPython } from '../python/provision.js';
export type { ProvisionOptions, ProvisionResult } from '../python/provision.js';
