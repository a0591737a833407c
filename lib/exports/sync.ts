/** `session-executor/sync`: Chroma -> version store change detection and staging, chunking and hashing. */
export { ChromaDoltSync } from '../sync/chroma-dolt-sync.js';
export type {
  DetectResult,
  StageOptions,
  StageResult,
  SyncCallOptions,
  SyncOptions,
  SyncProgress,
  WriteResult,
} from '../sync/chroma-dolt-sync.js';
export type { AdoptResult } from '../sync/adopt.js';
export { ChunkIdConflictError, SyncWriteError } from '../sync/errors.js';
export type { SourceDocument } from '../sync/documents.js';
export { chunkText, joinChunks, CHUNK_SIZE, CHUNK_OVERLAP } from '../sync/chunking.js';
export { contentHash } from '../sync/hashing.js';
