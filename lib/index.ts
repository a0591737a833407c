/**
 * `session-executor`: the core. The executor, session definitions, errors, the coalescer and metrics types;
 * nothing here loads Chroma, SQL or DoltLite code (those are `session-executor/chroma`, `/store`, `/sync`,
 * `/testing`, each loading its optional client package only when used).
 */
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
export { defineSession, sessionSpec, transfer } from './session.js';
export type {
  OpArg,
  OpName,
  OpResult,
  OpenOptionsOf,
  OwnerContext,
  SessionDefinition,
  SessionSpec,
  Transferred,
} from './session.js';
export { Coalescer } from './coalescer.js';
export type { CoalescerOptions, BulkLoad } from './coalescer.js';
export * from './errors.js';
export { MissingPeerDependencyError } from './optional-peer.js';
export type { Logger } from './logger.js';
export type { LatencySummary, OpStats } from './metrics.js';
