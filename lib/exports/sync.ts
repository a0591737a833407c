/** `session-executor/sync`: Chroma -> version store change detection and staging, chunking and hashing. */
export { ChromaDoltSync } from '../sync/chroma-dolt-sync.js';
export type { DetectResult, StageOptions, StageResult } from '../sync/chroma-dolt-sync.js';
export type { SourceDocument } from '../sync/documents.js';
export { chunkText, joinChunks, CHUNK_SIZE, CHUNK_OVERLAP } from '../sync/chunking.js';
export { contentHash } from '../sync/hashing.js';
