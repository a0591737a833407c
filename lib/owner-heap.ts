/**
 * The young generation of the library's own owner threads (the embedded Chroma session's and DoltLite's).
 * These threads pass many short-lived messages (requests of a few tens of kilobytes, reply bytes) and hold
 * little; V8's default young generation (up to 3 x 16 MB per thread) then mostly holds garbage, resident in
 * the process, while a smaller one is swept more often at little cost. At 100,000 documents a first stage's peak
 * memory fell by about 25 MB with this bound. It bounds only the young generation: anything larger or older
 * moves to the old generation, whose limit stays V8's, so a large reply can never kill the thread. A caller's own
 * `resourceLimits` win, field by field.
 */
import type { ExecutorOptions } from './executor/options.js';

/** The young generation of the library's owner threads, in MB. */
export const OWNER_YOUNG_GENERATION_MB = 12;

/** `executor` with the owner-thread default above (anything but an options object goes on as is, to be refused). */
export function withOwnerHeapDefaults(executor: ExecutorOptions | undefined): ExecutorOptions | undefined {
  if (executor !== undefined && (typeof executor !== 'object' || executor === null)) return executor;
  const limits = executor?.resourceLimits;
  if (limits !== undefined && (typeof limits !== 'object' || limits === null)) return executor;
  return { ...executor, resourceLimits: { maxYoungGenerationSizeMb: OWNER_YOUNG_GENERATION_MB, ...limits } };
}
