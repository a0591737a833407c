/**
 * Checks options once, at `start()` (and each call's options when the call is made), and fills in defaults.
 *
 * Why strict: a `NaN` deadline never fires, a `NaN` concurrency dispatches nothing, a zero hard deadline
 * restarts the owner on every call. Each of these used to be accepted silently and fail much later, far from
 * its cause. A misspelt key would keep its default without a word, so unknown keys throw as well. Durations
 * accept any value up to `Infinity`: timers longer than `setTimeout` can hold re-arm (see long-timer.ts).
 * A bad option now throws a `TypeError` (wrong type) or `RangeError` (out of range) naming the
 * option and what it accepts, as piscina and p-queue do.
 */
import { argError, describeValue } from '../check-args.js';
import { silentLogger, type Logger } from '../logger.js';
import type { CallOptions, CloseOptions, ExecutorOptions } from './options.js';
import type { SaturationOptions } from './saturation.js';

export interface ResolvedOptions {
  timeoutMs: number;
  hardDeadlineMs: number;
  openTimeoutMs: number;
  maxQueue: number;
  whenFull: 'reject' | 'wait';
  maxInFlight: number;
  concurrency: number;
  maxRestarts: number;
  restartBackoffMs: number;
  metricsWindowMs: number;
  saturation: Required<SaturationOptions>;
  logger: Logger;
  resourceLimits: ExecutorOptions['resourceLimits'];
}

type Range = { min: number; integer?: boolean; infinity?: boolean; above?: boolean };

function number(where: string, name: string, value: unknown, fallback: number, range: Range): number {
  if (value === undefined) return fallback;
  const accepted = describe(range);
  if (typeof value !== 'number') throw argError(`${where}${name} must be ${accepted}; got ${typeof value}`, 'ERR_INVALID_ARG_TYPE');
  const ok =
    (value === Infinity && range.infinity === true) ||
    (Number.isFinite(value) &&
      (range.above ? value > range.min : value >= range.min) &&
      (!range.integer || Number.isInteger(value)));
  if (!ok) throw argError(`${where}${name} must be ${accepted}; got ${value}`, 'ERR_OUT_OF_RANGE');
  return value;
}

function describe(range: Range): string {
  const kind = range.integer ? 'an integer' : 'a number';
  const bound = range.above ? `> ${range.min}` : `>= ${range.min}`;
  return `${kind} ${bound}${range.infinity ? ' or Infinity' : ''}`;
}

const positiveMs: Range = { min: 0, above: true, infinity: true };

const executorKeys = [
  'timeoutMs', 'hardDeadlineMs', 'openTimeoutMs', 'maxQueue', 'whenFull', 'maxInFlight', 'concurrency',
  'saturation', 'maxRestarts', 'restartBackoffMs', 'metricsWindowMs', 'logger', 'resourceLimits',
] as const satisfies readonly (keyof ExecutorOptions)[];
const resourceLimitKeys = ['maxYoungGenerationSizeMb', 'maxOldGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'] as const;
const saturationKeys = ['high', 'low', 'warnEveryMs', 'keepEvents'] as const satisfies readonly (keyof SaturationOptions)[];
const callKeys = ['timeoutMs', 'signal', 'label', 'onProgress'] as const satisfies readonly (keyof CallOptions)[];
const closeKeys = ['mode', 'timeoutMs'] as const satisfies readonly (keyof CloseOptions)[];

/**
 * Options objects are closed: a misspelt key (`timeOutMs`) would otherwise be ignored and its default used
 * without a word, so any key not in `accepted` throws a `TypeError` naming it and the accepted ones.
 */
function rejectUnknownKeys(what: string, options: object, accepted: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!accepted.includes(key)) {
      throw argError(`${what} has an unknown option ${JSON.stringify(key)}; accepted: ${accepted.join(', ')}`, 'ERR_INVALID_ARG_VALUE');
    }
  }
}

/** `undefined` and `null` both mean "no options"; anything else must be an object. */
function optionsObject<T extends object>(what: string, options: T | null | undefined, accepted: readonly string[]): Partial<T> {
  if (options === undefined || options === null) return {};
  // An array is an object too, but never an options object: its keys would be ignored without a word.
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw argError(`${what} must be an object; got ${describeValue(options)}`, 'ERR_INVALID_ARG_TYPE');
  }
  rejectUnknownKeys(what, options, accepted);
  return options;
}

/** Validates executor options; throws `TypeError`/`RangeError` naming the first bad one. */
export function resolveOptions(options: ExecutorOptions | undefined): ResolvedOptions {
  options = optionsObject('options', options, executorKeys);
  const o = 'options.';
  const whenFull = options.whenFull ?? 'reject';
  if (whenFull !== 'reject' && whenFull !== 'wait') {
    throw argError(`options.whenFull must be 'reject' or 'wait'; got ${JSON.stringify(whenFull)}`, 'ERR_OUT_OF_RANGE');
  }
  const given = options.logger ?? silentLogger;
  for (const level of LOG_LEVELS) {
    if (typeof (given as Partial<Logger>)[level] !== 'function') {
      throw argError(`options.logger must have debug, info, warn and error methods (pino-compatible); ${level} is missing`, 'ERR_INVALID_ARG_TYPE');
    }
  }
  const logger = given === silentLogger ? given : guardLogger(given);
  const limits = options.resourceLimits;
  if (limits !== undefined && (typeof limits !== 'object' || limits === null || Array.isArray(limits))) {
    throw argError('options.resourceLimits must be an object (worker_threads ResourceLimits)', 'ERR_INVALID_ARG_TYPE');
  }
  // Checked here, not left to `new Worker`: there a bad limit surfaces only as a failed open (or restart).
  const resourceLimits = limits === undefined ? undefined : optionsObject('options.resourceLimits', limits, resourceLimitKeys);
  for (const key of resourceLimitKeys) number('options.resourceLimits.', key, resourceLimits?.[key], 0, { min: 0, above: true });
  if (options.saturation === null || (options.saturation !== undefined && (typeof options.saturation !== 'object' || Array.isArray(options.saturation)))) {
    throw argError('options.saturation must be an object', 'ERR_INVALID_ARG_TYPE');
  }
  const saturation = optionsObject('options.saturation', options.saturation, saturationKeys);
  const s = 'options.saturation.';
  const high = number(s, 'high', saturation.high, 10, { min: 1, integer: true, infinity: true });
  const low = number(s, 'low', saturation.low, Math.min(5, high), { min: 0, integer: true, infinity: true });
  if (low > high) throw argError(`options.saturation.low must be <= options.saturation.high (${high}); got ${low}`, 'ERR_OUT_OF_RANGE');
  return {
    timeoutMs: number(o, 'timeoutMs', options.timeoutMs, 30_000, positiveMs),
    hardDeadlineMs: number(o, 'hardDeadlineMs', options.hardDeadlineMs, 60_000, positiveMs),
    openTimeoutMs: number(o, 'openTimeoutMs', options.openTimeoutMs, 60_000, positiveMs),
    maxQueue: number(o, 'maxQueue', options.maxQueue, 1_000, { min: 1, integer: true, infinity: true }),
    whenFull,
    maxInFlight: number(o, 'maxInFlight', options.maxInFlight, 1_024, { min: 1, integer: true, infinity: true }),
    concurrency: number(o, 'concurrency', options.concurrency, 1, { min: 1, integer: true }),
    maxRestarts: number(o, 'maxRestarts', options.maxRestarts, 5, { min: 0, integer: true, infinity: true }),
    restartBackoffMs: number(o, 'restartBackoffMs', options.restartBackoffMs, 50, { min: 0, infinity: true }),
    metricsWindowMs: number(o, 'metricsWindowMs', options.metricsWindowMs, 60_000, positiveMs),
    saturation: {
      high,
      low,
      warnEveryMs: number(s, 'warnEveryMs', saturation.warnEveryMs, 30_000, { min: 0, infinity: true }),
      keepEvents: number(s, 'keepEvents', saturation.keepEvents, 100, { min: 0, integer: true }),
    },
    logger,
    resourceLimits: options.resourceLimits,
  };
}

/**
 * Validates one call's options. Throws like {@link resolveOptions}; the executor turns the throw into the
 * call's rejection, so a bad call never enters the queue.
 */
export function checkCallOptions(options: CallOptions | undefined): void {
  if (options === undefined || options === null) return;
  optionsObject('call options', options, callKeys);
  if (options.timeoutMs !== undefined) number('call options.', 'timeoutMs', options.timeoutMs, 0, positiveMs);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw argError('call options.signal must be an AbortSignal', 'ERR_INVALID_ARG_TYPE');
  }
  if (options.label !== undefined && typeof options.label !== 'string') {
    throw argError(`call options.label must be a string; got ${typeof options.label}`, 'ERR_INVALID_ARG_TYPE');
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw argError(`call options.onProgress must be a function; got ${typeof options.onProgress}`, 'ERR_INVALID_ARG_TYPE');
  }
}

/** Validates `close()` options and fills in defaults; throws like {@link resolveOptions}. */
export function resolveCloseOptions(options: CloseOptions | undefined): Required<CloseOptions> {
  options = optionsObject('close options', options, closeKeys);
  const mode = options.mode ?? 'drain';
  if (mode !== 'drain' && mode !== 'cancel') {
    throw argError(`close options.mode must be 'drain' or 'cancel'; got ${JSON.stringify(mode)}`, 'ERR_OUT_OF_RANGE');
  }
  return { mode, timeoutMs: number('close options.', 'timeoutMs', options.timeoutMs, 10_000, positiveMs) };
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * The caller's logger, called so that it cannot throw into the executor: logging happens in the middle of
 * admitting, timing out and recovering operations, and a logger that throws there (a closed transport, a bad
 * serializer) would leave operations counted in flight that never settle. Its failure has nowhere else to be
 * reported, so it is dropped.
 */
function guardLogger(logger: Logger): Logger {
  const guarded = (level: (typeof LOG_LEVELS)[number]) => (context: object, message: string) => {
    try {
      logger[level](context, message);
    } catch {
      // see above
    }
  };
  return { debug: guarded('debug'), info: guarded('info'), warn: guarded('warn'), error: guarded('error') };
}
