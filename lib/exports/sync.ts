/** `session-executor/sync`: Chroma -> version store change detection and staging, chunking and hashing. */
export { ChromaDoltSync } from '../sync/chroma-dolt-sync.js';
export type {
  DetectOptions,
  DetectResult,
  StageOptions,
  StageResult,
  SyncCallOptions,
  SyncOptions,
  SyncProgress,
  WriteOptions,
  WriteResult,
} from '../sync/chroma-dolt-sync.js';
export type { AdoptResult } from '../sync/adopt.js';
export { ChunkIdConflictError, SyncWriteError } from '../sync/errors.js';
export type { SourceDocument } from '../sync/documents.js';
export { chunkText, joinChunks, CHUNK_SIZE, CHUNK_OVERLAP } from '../sync/chunking.js';
export { contentHash, documentHash } from '../sync/hashing.js';
export { Repository } from '../repository/repository.js';
export type * from '../repository/repository.js';
export * from '../repository/errors.js';
export type { WorkingCopyStatus, CollectionStatus } from '../repository/working-copy.js';
