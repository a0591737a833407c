export { SessionExecutor } from './executor/session-executor.js';
export type {
  BatchOutcome,
  ExecutorEvents,
  ExecutorPhase,
  ExecutorStats,
  RestartedEvent,
} from './executor/session-executor.js';
export type { CallOptions, CloseOptions, ExecutorOptions } from './executor/options.js';
export type { SaturationEvent, SaturationOptions } from './executor/saturation.js';
export { defineSession, sessionSpec } from './session.js';
export type {
  OpArg,
  OpName,
  OpResult,
  OpenOptionsOf,
  OwnerContext,
  SessionDefinition,
  SessionSpec,
} from './session.js';
export { Coalescer } from './coalescer.js';
export type { CoalescerOptions, BulkLoad } from './coalescer.js';
export * from './errors.js';
export type { Logger } from './logger.js';
export type { LatencySummary, OpStats } from './metrics.js';
export { Chroma } from './chroma/chroma.js';
export type { ChromaOptions, ChromaSessionDefinition, WriteRecords } from './chroma/chroma.js';
export type { PythonChromaOptions } from './chroma/python-session.js';
export * from './chroma/errors.js';
export { hashEmbedder } from './chroma/hash-embedder.js';
export type { Embedder } from './chroma/hash-embedder.js';
export type * from './chroma/types.js';
export { DoltLiteStore } from './dolt/doltlite-store.js';
export type { DoltLiteOptions } from './dolt/doltlite-session.js';
export * from './dolt/errors.js';
export type {
  ChangeSet,
  CommitInfo,
  DocumentChange,
  DocumentRecord,
  TableStatus,
  VersionStore,
} from './dolt/version-store.js';
export { MAX_ID_LENGTH, MAX_COLLECTION_NAME_LENGTH, MAX_MESSAGE_BYTES } from './dolt/version-store.js';
export { validateChangeSet } from './dolt/validate-changes.js';
export { ChromaDoltSync } from './sync/chroma-dolt-sync.js';
export type {
  DetectResult,
  StageOptions,
  StageResult,
  SyncCallOptions,
  SyncOptions,
  SyncProgress,
  WriteResult,
} from './sync/chroma-dolt-sync.js';
export type { AdoptResult } from './sync/adopt.js';
export { SyncWriteError, ChunkIdConflictError } from './sync/errors.js';
export type { SourceDocument } from './sync/documents.js';
export { chunkText, joinChunks, CHUNK_SIZE, CHUNK_OVERLAP } from './sync/chunking.js';
export { contentHash } from './sync/hashing.js';
export { MysqlStore } from './dolt/mysql-store.js';
export type { MysqlStoreOptions } from './dolt/mysql-store.js';
export type { HttpChromaOptions } from './chroma/http-session.js';
export { startChromaServer } from './servers/chroma-server.js';
export type { ChromaServer, ChromaServerOptions } from './servers/chroma-server.js';
