/**
 * The repository's argument checks, run before anything reads or moves: a misspelt option (`ifUncommitted:
 * 'discrad'`) would otherwise fall back to no safety at all, and a commit message of null would reach the
 * store as SQL. Errors are `TypeError`/`RangeError` with Node's codes (see lib/check-args.ts), and an
 * `InvalidChangeError` for a commit message, as the stores give.
 */
import { argError, checkBoolean, checkOneOf, checkOptions, checkText, describeValue } from '../check-args.js';
import { checkMessage } from '../dolt/validate-changes.js';

export const VERIFY_LEVELS = ['content', 'flags'] as const;
export const IF_UNCOMMITTED = ['abort', 'commit', 'discard', 'carry'] as const;

const OPEN_KEYS = ['chroma', 'store', 'statePath', 'sync', 'verify'];
const CLONE_KEYS = [...OPEN_KEYS, 'url', 'remote', 'branch', 'signal', 'onProgress'];

/** `Repository.open` / `clone` options: closed, `chroma` and `store` given, `verify` one of its levels. */
export function checkOpenOptions(owner: 'Repository.open' | 'Repository.clone', options: unknown): void {
  const o = checkOptions(owner, options, owner === 'Repository.open' ? OPEN_KEYS : CLONE_KEYS, true);
  for (const key of ['chroma', 'store'] as const) {
    if (typeof o[key] !== 'object' || o[key] === null) {
      throw argError(`${owner}: option '${key}' must be ${key === 'chroma' ? 'a Chroma client' : 'a version store'}, got ${describeValue(o[key])}`, 'ERR_INVALID_ARG_TYPE');
    }
  }
  checkText(owner, "option 'statePath'", o.statePath, true);
  checkOneOf(owner, "option 'verify'", o.verify, VERIFY_LEVELS);
  if (owner === 'Repository.clone') {
    checkText(owner, "option 'url'", o.url);
    checkText(owner, "option 'remote'", o.remote, true);
    checkText(owner, "option 'branch'", o.branch, true);
    checkCallOption(owner, 'signal', o.signal);
    checkCallOption(owner, 'onProgress', o.onProgress);
  }
}

/** The options of one method: closed, each of the right type. */
const CALL = { signal: 'signal', onProgress: 'onProgress' } as const;
const METHOD_OPTIONS = {
  status: { verify: 'verify', signal: 'signal' },
  commit: CALL,
  checkout: { create: 'boolean', from: 'text', ifUncommitted: 'ifUncommitted', message: 'message', verify: 'verify', ...CALL },
  deleteBranch: { force: 'boolean' },
  renameBranch: { force: 'boolean' },
  merge: { message: 'message', ...CALL },
  resolve: { collection: 'text', message: 'message', ...CALL },
  abortMerge: CALL,
  reset: { hard: 'text', ...CALL },
  revert: CALL,
  pull: CALL,
  push: { signal: 'signal' },
  fetch: { signal: 'signal' },
  createTag: { ref: 'text', message: 'string' },
} as const satisfies Record<string, Record<string, 'verify' | 'boolean' | 'text' | 'message' | 'ifUncommitted' | 'string' | 'signal' | 'onProgress'>>;

/** Checks the options object of `Repository.<method>`; returns it (`{}` for nothing). */
export function checkMethodOptions<T extends object>(method: keyof typeof METHOD_OPTIONS, options: T | undefined): T {
  const owner = `Repository.${method}`;
  const kinds: Record<string, string> = METHOD_OPTIONS[method];
  const o = checkOptions(owner, options, Object.keys(kinds));
  for (const [key, kind] of Object.entries(kinds)) {
    const value = o[key];
    if (value === undefined) continue;
    const name = `option '${key}'`;
    if (kind === 'verify') checkOneOf(owner, name, value, VERIFY_LEVELS);
    else if (kind === 'ifUncommitted') checkOneOf(owner, name, value, IF_UNCOMMITTED);
    else if (kind === 'boolean') checkBoolean(owner, name, value);
    else if (kind === 'text') checkText(owner, name, value);
    else if (kind === 'message') checkMessage(value);
    else if (kind === 'signal' || kind === 'onProgress') checkCallOption(owner, kind, value);
    else if (typeof value !== 'string') checkText(owner, name, value);
  }
  return o as T;
}

/** `signal` must be an AbortSignal, `onProgress` a function (a wrong value would otherwise be ignored). */
function checkCallOption(owner: string, key: 'signal' | 'onProgress', value: unknown): void {
  if (value === undefined) return;
  const ok = key === 'signal' ? value instanceof AbortSignal : typeof value === 'function';
  if (!ok) {
    throw argError(`${owner}: option '${key}' must be ${key === 'signal' ? 'an AbortSignal' : 'a function'}, got ${describeValue(value)}`, 'ERR_INVALID_ARG_TYPE');
  }
}

/** A name or ref argument: a non-empty string (the store checks its form). */
export function checkName(method: string, what: string, value: unknown, optional = false): void {
  checkText(`Repository.${method}`, what, value, optional);
}
