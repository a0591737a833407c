/**
 * Checks the options of `Chroma.embedded` and `Chroma.remote` before an owner thread starts: a misspelt key
 * (`pyton`) would otherwise be ignored without a word, and a port of `'abc'` or `70000` would only fail inside
 * the owner, as an open error about a URL the caller never wrote. Errors are `TypeError`s with Node's codes,
 * naming the option, like the executor's own option checks.
 */

import { argError, checkOptions } from '../check-args.js';

/** Keys every Chroma client takes, besides its session's own. */
const CLIENT_KEYS = ['embeddingFunction', 'embedder', 'executor'];

/** The embedded session's own keys (`PythonChromaOptions`). */
export const EMBEDDED_KEYS = ['path', 'python', 'allowModelDownload', 'modelCacheDir', 'closeTimeoutMs', 'directScan'];

/** The remote session's own keys (`HttpChromaOptions`). */
export const REMOTE_KEYS = ['host', 'port', 'ssl', 'headers', 'tenant', 'database', 'requestTimeoutMs'];

/** An options object (or nothing, when every option has a default) with only the keys the client takes. */
export function checkOptionKeys(owner: string, options: unknown, sessionKeys: readonly string[]): void {
  checkOptions(owner, options, [...sessionKeys, ...CLIENT_KEYS]);
}

/**
 * A TypeError naming `key` of `owner`'s options, what it must be and what it got (a number's value, never a
 * string's text); its code says whether the type (`ERR_INVALID_ARG_TYPE`) or the value was wrong.
 */
function wrongOption(owner: string, options: Record<string, unknown>, key: string, expected: string, type: string): TypeError {
  const value = options[key];
  const got = value === null ? 'null' : typeof value === 'number' ? String(value) : typeof value;
  return argError(`${owner}: option '${key}' must be ${expected}, got ${got}`, typeof value === type ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE');
}

const isNonEmptyString = (value: unknown) => typeof value === 'string' && value.trim() !== '';

/** The embedded session's options besides `path` (checked on its own): each of the right type, or left out. */
export function checkEmbeddedOptions(options: Record<string, unknown>): void {
  const wrong = (key: string, expected: string, type = 'string') => wrongOption('Chroma.embedded', options, key, expected, type);
  const { python, modelCacheDir, allowModelDownload, closeTimeoutMs, directScan } = options;
  if (python !== undefined && !isNonEmptyString(python)) throw wrong('python', 'the path of an interpreter');
  if (modelCacheDir !== undefined && !isNonEmptyString(modelCacheDir)) throw wrong('modelCacheDir', 'a folder path');
  if (allowModelDownload !== undefined && typeof allowModelDownload !== 'boolean') throw wrong('allowModelDownload', 'a boolean', 'boolean');
  if (directScan !== undefined && typeof directScan !== 'boolean') throw wrong('directScan', 'a boolean', 'boolean');
  // 0 or NaN would SIGKILL Python at once instead of letting chromadb close its database.
  if (closeTimeoutMs !== undefined && !(typeof closeTimeoutMs === 'number' && closeTimeoutMs > 0)) {
    throw wrong('closeTimeoutMs', 'a number > 0 or Infinity', 'number');
  }
}

/** The remote session's connection options: each of the right type and range, or left out. */
export function checkRemoteOptions(options: Record<string, unknown>): void {
  const wrong = (key: string, expected: string, type = 'string') => wrongOption('Chroma.remote', options, key, expected, type);
  const { host, port, ssl, headers, tenant, database, requestTimeoutMs } = options;
  for (const [key, value] of [['host', host], ['tenant', tenant], ['database', database]] as const) {
    if (value !== undefined && !isNonEmptyString(value)) throw wrong(key, 'a non-empty string');
  }
  if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65_535)) {
    throw wrong('port', 'a whole number from 1 to 65535', 'number');
  }
  if (ssl !== undefined && typeof ssl !== 'boolean') throw wrong('ssl', 'a boolean', 'boolean');
  if (headers !== undefined && (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string'))) {
    throw wrong('headers', 'an object of strings', 'object');
  }
  if (requestTimeoutMs !== undefined && !(typeof requestTimeoutMs === 'number' && requestTimeoutMs > 0)) {
    throw wrong('requestTimeoutMs', 'a number > 0 or Infinity', 'number');
  }
}
