/**
 * Checks a `path` option before anything starts: a wrong one would otherwise create a folder named after a
 * number or fail seconds later inside the owner thread with an unrelated message.
 */

import { argError as invalidPath } from './check-args.js';

/**
 * Throws a `TypeError` naming `path` unless it is a non-empty string; `undefined` passes when the option may
 * be left out (`optional`).
 */
export function checkPathOption(owner: string, path: unknown, optional: boolean): void {
  if (path === undefined && optional) return;
  if (typeof path !== 'string') {
    const got = path === undefined ? 'nothing' : path === null ? 'null' : `a ${typeof path}`;
    throw invalidPath(`${owner}: option 'path' must be a string${optional ? ' or left out' : ''}, got ${got}`, 'ERR_INVALID_ARG_TYPE');
  }
  if (path.trim() === '') throw invalidPath(`${owner}: option 'path' must not be empty`, 'ERR_INVALID_ARG_VALUE');
}
