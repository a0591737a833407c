/**
 * Checks on the main thread, before a request reaches a Chroma session: a string that cannot be encoded (a lone
 * surrogate), a document that is not a string, a BigInt or an object as a metadata value, mismatched array
 * lengths. Python would fail to decode such a request and the npm client would silently write U+FFFD instead;
 * here each gets ChromaInvalidArgumentError, naming the field and position but never the value, and the
 * session is not involved at all.
 */
import { isWellFormed } from '../strings.js';
import { CHROMA_ERROR_CODES, ChromaInvalidArgumentError } from './errors.js';
import type { Metadata } from './types.js';

function invalid(message: string): ChromaInvalidArgumentError {
  return new ChromaInvalidArgumentError({ name: 'ChromaInvalidArgumentError', message, code: CHROMA_ERROR_CODES.invalid_argument });
}

function checkString(value: unknown, what: string): void {
  if (typeof value !== 'string') throw invalid(`${what} must be a string, got ${value === null ? 'null' : typeof value}`);
  if (!isWellFormed(value)) throw invalid(`${what} contains a lone surrogate (not encodable as UTF-8)`);
}

function checkStrings(values: unknown, what: string, nullable = false): number {
  if (!Array.isArray(values)) throw invalid(`${what} must be an array`);
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    // The common case first, without building the position's name (a write checks every record).
    if (typeof value === 'string' ? isWellFormed(value) : nullable && value === null) continue;
    checkString(value, `${what}[${i}]`);
  }
  return values.length;
}

/**
 * A method's parameters object (`undefined` passes where the method has a default). A number, string or array
 * there would otherwise be read as "no ids, no filter": a write that writes nothing, a read of everything.
 */
export function checkParams(params: unknown, what = 'the parameters'): void {
  if (params === undefined) return;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw invalid(`${what} must be an object, got ${params === null ? 'null' : Array.isArray(params) ? 'an array' : typeof params}`);
  }
}

/** Checks one metadata object: string keys, scalar values (string, finite number, boolean, null). */
export function checkMetadata(metadata: unknown, what: string | (() => string)): void {
  if (metadata === null || metadata === undefined) return;
  const name = typeof what === 'string' ? () => what : what;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw invalid(`${name()} must be an object`);
  for (const key in metadata) {
    if (!Object.hasOwn(metadata, key)) continue;
    const value: unknown = (metadata as Metadata)[key];
    const fine =
      isWellFormed(key) &&
      (typeof value === 'string' ? isWellFormed(value) : typeof value === 'number' ? Number.isFinite(value) : typeof value === 'boolean' || value === null);
    if (!fine) checkEntry(key, value, name());
  }
}

/** Throws the error that a bad metadata entry deserves (messages are built only here, on the rare path). */
function checkEntry(key: string, value: unknown, what: string): void {
  checkString(key, `a key of ${what}`);
  const where = `${what}.${key}`;
  if (typeof value === 'string') checkString(value, where);
  else if (typeof value === 'number') throw invalid(`${where} must be a finite number`);
  else throw invalid(`${where} must be a string, number, boolean or null, got ${typeof value}`);
}

/** Checks a where clause (nested operators): strings well-formed, no BigInt or other non-JSON value. */
export function checkWhere(where: unknown, what = 'where'): void {
  if (where === undefined || where === null) return;
  const visit = (value: unknown, path: string, depth: number): void => {
    if (depth > 32) throw invalid(`${what} is nested too deeply`);
    if (typeof value === 'string') checkString(value, path);
    else if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw invalid(`${path} must be a finite number`);
    } else if (Array.isArray(value)) value.forEach((item, i) => visit(item, `${path}[${i}]`, depth + 1));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        checkString(key, `a key of ${path}`);
        visit(inner, `${path}.${isWellFormed(key) ? key : '?'}`, depth + 1);
      }
    } else if (typeof value !== 'boolean' && value !== null) throw invalid(`${path} must not be a ${typeof value}`);
  };
  visit(where, what, 0);
}

export function checkCollection(name: unknown): void {
  checkString(name, 'the collection name');
}

/** Checks a write (add, upsert, update): ids, documents, metadatas and embeddings line up and encode. */
export function checkRecords(collection: unknown, records: {
  ids: unknown;
  documents?: unknown;
  metadatas?: unknown;
  embeddings?: unknown;
}): void {
  checkCollection(collection);
  if (typeof records !== 'object' || records === null || Array.isArray(records)) throw invalid('records must be an object');
  const count = checkStrings(records.ids, 'ids');
  const sameLength = (values: unknown, what: string) => {
    if (values === undefined || values === null) return;
    if (!Array.isArray(values)) throw invalid(`${what} must be an array`);
    if (values.length !== count) throw invalid(`${what} has ${values.length} entries for ${count} ids`);
  };
  sameLength(records.documents, 'documents');
  if (Array.isArray(records.documents)) checkStrings(records.documents, 'documents');
  sameLength(records.metadatas, 'metadatas');
  if (Array.isArray(records.metadatas)) records.metadatas.forEach((metadata, i) => checkMetadata(metadata, () => `metadatas[${i}]`));
  sameLength(records.embeddings, 'embeddings');
  // chromadb's Python client fails on a vector of no dimensions with an IndexError (an untyped ChromaError).
  if (Array.isArray(records.embeddings)) {
    records.embeddings.forEach((vector, i) => {
      if (Array.isArray(vector) && vector.length === 0) throw invalid(`embeddings[${i}] has no dimensions`);
    });
  }
}

/**
 * A count (`limit`, `offset`, `nResults`): a whole number from `min`, or left out. JSON would turn NaN and
 * Infinity into null (all records) and the sessions disagree on negatives and fractions, so they stop here.
 */
function checkCount(value: unknown, what: string, min: number): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalid(`${what} must be a whole number >= ${min}, got ${typeof value === 'number' ? String(value) : typeof value}`);
  }
}

/** Checks a read or delete: collection, ids, where, and the counts a read takes. */
export function checkSelection(
  collection: unknown,
  args: { ids?: unknown; where?: unknown; limit?: unknown; offset?: unknown; nResults?: unknown },
): void {
  checkCollection(collection);
  checkParams(args);
  if (args.ids !== undefined && args.ids !== null) checkStrings(args.ids, 'ids');
  checkWhere(args.where);
  checkCount(args.limit, 'limit', 0);
  checkCount(args.offset, 'offset', 0);
  checkCount(args.nResults, 'nResults', 1);
}

export { checkStrings as checkTexts };

/**
 * A page summary's `withTexts`: a boolean, or `{ floor }` with a finite number or null. Checked here for both
 * sessions, so a bad floor is never read as "no floor" (JSON turns NaN into null) nor compared as a string.
 */
export function checkWithTexts(withTexts: unknown): void {
  if (withTexts === undefined || typeof withTexts === 'boolean') return;
  if (typeof withTexts !== 'object' || withTexts === null || Array.isArray(withTexts)) throw invalid('withTexts must be a boolean or { floor }');
  const floor = (withTexts as { floor?: unknown }).floor;
  if (floor !== null && !(typeof floor === 'number' && Number.isFinite(floor))) throw invalid('withTexts.floor must be a finite number or null');
}

/**
 * Throws unless Chroma takes `name` for a collection: 3-512 characters of [a-zA-Z0-9._-], starting and ending
 * with a letter or digit, no "..", not an IPv4 address. For names that come from elsewhere (a version store's
 * commit), checked before anything is written rather than found by Chroma halfway through.
 */
export function checkChromaCollectionName(name: string): void {
  const ok = /^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$/.test(name) && !name.includes('..') && !/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
  if (!ok) throw invalid('the collection name must be 3-512 characters of [a-zA-Z0-9._-], start and end with a letter or digit, hold no ".." and not be an IPv4 address');
}
