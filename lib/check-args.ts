/**
 * Argument checks shared by the public entry points (stores, versioning, repository, sync): a misspelt option
 * key or a string where an options object belongs would otherwise be ignored without a word (a store opened
 * in memory, every commit lost at close), and a count of NaN or -1 would reach the SQL as "all rows" or as a
 * datatype error. Errors are Node-style: a `TypeError` or `RangeError` with a stable `code`
 * (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`) whose message names the argument and
 * what it must be, never a string's text.
 */

/** The codes argument errors carry, the same as Node's own. */
export type ArgErrorCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE';

/** A `TypeError` (or `RangeError` for `ERR_OUT_OF_RANGE`) with a stable `code`. */
export function argError(message: string, code: ArgErrorCode): TypeError & { code: ArgErrorCode } {
  const error = code === 'ERR_OUT_OF_RANGE' ? new RangeError(message) : new TypeError(message);
  return Object.assign(error, { code });
}

/** What a value is, for a message: a number's value, else its type (a string's text could be a secret). */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'object') return `a ${typeof value}`;
  try {
    return Array.isArray(value) ? 'an array' : 'an object';
  } catch {
    return 'an object'; // a revoked Proxy throws even from Array.isArray
  }
}

/**
 * An options object (or nothing, when every option may be left out) with only `accepted` keys. Returns the
 * object (`{}` for nothing) so callers can destructure it.
 */
export function checkOptions(owner: string, options: unknown, accepted: readonly string[], required = false): Record<string, unknown> {
  if ((options === undefined || options === null) && !required) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw argError(`${owner}: options must be an object, got ${describeValue(options)}`, 'ERR_INVALID_ARG_TYPE');
  }
  for (const key of Object.keys(options)) {
    if (!accepted.includes(key)) {
      throw argError(`${owner}: unknown option ${JSON.stringify(key)}; accepted: ${accepted.join(', ')}`, 'ERR_INVALID_ARG_VALUE');
    }
  }
  return options as Record<string, unknown>;
}

/** A whole number from `min` to `max`; `undefined` passes when `optional`. */
export function checkWholeNumber(owner: string, name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER, optional = true): void {
  if (value === undefined && optional) return;
  if (typeof value !== 'number') throw argError(`${owner}: ${name} must be a whole number, got ${describeValue(value)}`, 'ERR_INVALID_ARG_TYPE');
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw argError(`${owner}: ${name} must be a whole number ${range}, got ${value}`, 'ERR_OUT_OF_RANGE');
  }
}

/** One of `allowed` (an enumerated option); `undefined` passes when `optional`. */
export function checkOneOf(owner: string, name: string, value: unknown, allowed: readonly unknown[], optional = true): void {
  if (value === undefined && optional) return;
  if (!allowed.includes(value)) {
    const list = allowed.map((a) => JSON.stringify(a)).join(', ');
    throw argError(`${owner}: ${name} must be one of ${list}, got ${describeValue(value)}`, typeof value === typeof allowed[0] ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
  }
}

/** A non-empty string; `undefined` passes when `optional`. */
export function checkText(owner: string, name: string, value: unknown, optional = false): void {
  if (value === undefined && optional) return;
  if (typeof value !== 'string') throw argError(`${owner}: ${name} must be a string, got ${describeValue(value)}`, 'ERR_INVALID_ARG_TYPE');
  if (value.trim() === '') throw argError(`${owner}: ${name} must not be empty`, 'ERR_INVALID_ARG_VALUE');
  if (value.includes('\0')) throw argError(`${owner}: ${name} must not contain a NUL character`, 'ERR_INVALID_ARG_VALUE');
}

/** A boolean; `undefined` passes. */
export function checkBoolean(owner: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw argError(`${owner}: ${name} must be a boolean, got ${describeValue(value)}`, 'ERR_INVALID_ARG_TYPE');
  }
}

/**
 * The token a class with a factory passes its own constructor: `new` from JavaScript (the constructor is
 * private only to TypeScript) would make an object that was never opened, failing later with a raw error.
 */
export const FACTORY_TOKEN: unique symbol = Symbol('session-executor factory');

/** Throws `ERR_ILLEGAL_CONSTRUCTOR` unless the constructor was called by the class's factory (see {@link FACTORY_TOKEN}). */
export function checkFactoryToken(token: unknown, className: string, factory: string): void {
  if (token !== FACTORY_TOKEN) {
    throw Object.assign(new TypeError(`use ${factory}, not new ${className}()`), { code: 'ERR_ILLEGAL_CONSTRUCTOR' as const });
  }
}
