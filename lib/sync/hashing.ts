/**
 * What identifies a version of a document: its text **and** its own metadata. The hash is kept as
 * `content_hash` on every chunk and in the version store, so a change of metadata alone (same text) is a change
 * that detection sees, a stage commits and a checkout restores.
 *
 * - A document without metadata of its own has the SHA-256 of its UTF-8 text, as before metadata counted, so
 *   stores and collections written by earlier versions keep their hashes for such documents.
 * - A document with metadata has the SHA-256 of a canonical encoding (below) of its text hash and its metadata.
 *
 * The same hash is computed in three places, which must agree byte for byte: here (when writing, and for remote
 * Chroma), and in the Python host of the embedded Chroma session (`document_version` in
 * workers/chroma_host.py), for every value Chroma can hold. Hence an encoding that needs no JSON library:
 *
 * ```
 * "session-executor/document-version/1\n" + text hash (64 hex) + "\n" + entries in key order
 * entry  = <key's UTF-8 byte length> ":" key value
 * value  = "s" <UTF-8 byte length> ":" string | "n" number ";" | "t" | "f" | "z" (null, inside arrays and objects)
 *        | "a" <count> ":" value... | "o" <count> ":" (<key's UTF-8 byte length> ":" key value)...
 * ```
 * Keys are ordered by code point (the order of their UTF-8 bytes; not JavaScript's UTF-16 order). A number is
 * written as JavaScript's `String(x)` writes the double nearest to it (an integer Chroma holds as int and one it
 * holds as float are the same number, `-0` is `0`): Chroma keeps ints, floats and booleans apart, but a JSON
 * reader in Node cannot tell `1` from `1.0`. A key whose value is null is left out: Chroma cannot hold a null
 * (its update deletes such a key). Arrays and objects (which other tools may write) encode their parts the
 * same way.
 */
import { createHash } from 'node:crypto';
import { argError, describeValue } from '../check-args.js';
import type { Metadata } from '../chroma/types.js';

/** The version tag that opens the encoding; a new encoding would get a new tag. */
const VERSION_TAG = 'session-executor/document-version/1\n';

/** SHA-256 of the UTF-8 text, lowercase hex: the version hash of a document without metadata of its own. */
export function contentHash(content: string): string {
  if (typeof content !== 'string') throw argError(`contentHash: content must be a string, got ${describeValue(content)}`, 'ERR_INVALID_ARG_TYPE');
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/**
 * The version hash of a document: its text and its own metadata (`metadata` holds no key of the sync
 * layer's; see `ownMetadata`). Equal to {@link contentHash} when the metadata is empty.
 */
export function documentHash(content: string, metadata: Readonly<Metadata> | null | undefined): string {
  if (metadata !== null && metadata !== undefined && (typeof metadata !== 'object' || Array.isArray(metadata))) {
    // A number or a string here would hash as "no metadata" without a word.
    throw argError(`documentHash: metadata must be an object, null or undefined, got ${describeValue(metadata)}`, 'ERR_INVALID_ARG_TYPE');
  }
  return versionHashOf(contentHash(content), metadata);
}

/** The version hash from the text's hash and the document's own metadata (see {@link documentHash}). */
export function versionHashOf(textHash: string, metadata: Readonly<Metadata> | null | undefined): string {
  const entries = canonicalMetadata(metadata);
  if (entries === '') return textHash;
  return createHash('sha256').update(`${VERSION_TAG}${textHash}\n${entries}`, 'utf8').digest('hex');
}

/** The canonical encoding of metadata's entries (see the file header); empty when nothing is kept. */
export function canonicalMetadata(metadata: Readonly<Record<string, unknown>> | null | undefined): string {
  if (!metadata) return '';
  const keys = Object.keys(metadata).filter((key) => metadata[key] !== null && metadata[key] !== undefined);
  if (keys.length === 0) return '';
  keys.sort(byCodePoint);
  let out = '';
  for (const key of keys) out += `${utf8Length(key)}:${key}${encodeValue(metadata[key])}`;
  return out;
}

/** Whether two metadata objects are the same version (same canonical encoding). */
export function sameOwnMetadata(a: Readonly<Metadata> | null | undefined, b: Readonly<Metadata> | null | undefined): boolean {
  return canonicalMetadata(a) === canonicalMetadata(b);
}

function encodeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `s${utf8Length(value)}:${value}`;
    case 'number':
      return `n${String(value)};`; // String(-0) is '0'
    case 'boolean':
      return value ? 't' : 'f';
    default:
      if (value === null || value === undefined) return 'z';
      if (Array.isArray(value)) return `a${value.length}:${value.map(encodeValue).join('')}`;
      if (typeof value === 'object') {
        // Not a value the library writes (validation refuses it); another tool's structured value, read back.
        const keys = Object.keys(value).sort(byCodePoint);
        const record = value as Record<string, unknown>;
        return `o${keys.length}:${keys.map((key) => `${utf8Length(key)}:${key}${encodeValue(record[key])}`).join('')}`;
      }
      throw argError(`metadata values must be strings, numbers, booleans or arrays of them, got ${describeValue(value)}`, 'ERR_INVALID_ARG_VALUE');
  }
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Code-point order (the order of UTF-8 bytes), which Python's string order also is. */
function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
