/**
 * Chunking as the seed system did it: windows of 512 characters overlapping by 50. Characters are Unicode code
 * points (not UTF-16 units), so a chunk never splits a surrogate pair and the text survives a round trip
 * through Python, whose strings count code points too.
 *
 * Chunk ids. A one-chunk document keeps its id. Chunk i of a longer document is `{docId}_chunk_{i}@{version}`,
 * where `version` is the hex write id of the write that made it: each write of a document makes chunks with new
 * ids, so a new version is added beside the old one and the old one is removed only once the new one is
 * complete (a reader never sees a mix). Document ids ending like a chunk id (`_chunk_{digits}`, with or
 * without `@{hex}`) are reserved: with that rule every (document id, chunk index, version) has its own Chroma
 * id, and no chunk id is ever a document id.
 */
import { argError, checkWholeNumber, describeValue } from '../check-args.js';

export const CHUNK_SIZE = 512;
export const CHUNK_OVERLAP = 50;

/**
 * Splits `content` into windows of `size` code points overlapping by `overlap`. Throws `ERR_INVALID_ARG_TYPE`
 * for a non-string, `ERR_OUT_OF_RANGE` unless `size` is a whole number >= 1 and `overlap` one from 0 to
 * `size - 1` (an overlap as large as the window would never advance).
 */
export function chunkText(content: string, size = CHUNK_SIZE, overlap = CHUNK_OVERLAP): string[] {
  checkString('chunkText', 'content', content);
  checkWindow('chunkText', size, overlap);
  if (content.length <= size) return [content]; // UTF-16 length bounds the code-point length
  // Without surrogates, code points are UTF-16 units: slice the string itself (no array of characters).
  if (!SURROGATE.test(content)) return windows(content.length, size, overlap, (start, end) => content.slice(start, end));
  const chars = Array.from(content);
  if (chars.length <= size) return [content];
  return windows(chars.length, size, overlap, (start, end) => chars.slice(start, end).join(''));
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** The windows of `size` characters starting every `size - overlap`, the last one reaching the end. */
function windows(length: number, size: number, overlap: number, cut: (start: number, end: number) => string): string[] {
  const step = size - overlap;
  const chunks: string[] = [];
  for (let start = 0; start < length; start += step) {
    chunks.push(cut(start, start + size));
    if (start + size >= length) break;
  }
  return chunks;
}

/** The inverse of chunkText for chunks in order: each chunk after the first repeats `overlap` characters. */
export function joinChunks(chunks: string[], overlap = CHUNK_OVERLAP): string {
  if (!Array.isArray(chunks)) throw argError(`joinChunks: chunks must be an array of strings, got ${describeValue(chunks)}`, 'ERR_INVALID_ARG_TYPE');
  chunks.forEach((chunk, i) => checkString('joinChunks', `chunks[${i}]`, chunk));
  checkWholeNumber('joinChunks', 'overlap', overlap, 0, undefined, false);
  if (chunks.length === 0) return '';
  if (chunks.length === 1) return chunks[0]!;
  return chunks.map((chunk, i) => (i === 0 ? chunk : afterCodePoints(chunk, overlap))).join('');
}

/** `text` without its first `count` code points (a surrogate pair is one), without splitting it into an array. */
function afterCodePoints(text: string, count: number): string {
  let index = 0;
  for (let seen = 0; seen < count && index < text.length; seen++) {
    const unit = text.charCodeAt(index);
    const pair = unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length;
    const next = pair ? text.charCodeAt(index + 1) : 0;
    index += pair && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
  }
  return text.slice(index);
}

function checkString(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'string') throw argError(`${owner}: ${name} must be a string, got ${describeValue(value)}`, 'ERR_INVALID_ARG_TYPE');
}

function checkWindow(owner: string, size: number, overlap: number): void {
  checkWholeNumber(owner, 'size', size, 1, undefined, false);
  checkWholeNumber(owner, 'overlap', overlap, 0, size - 1, false);
}

/** Document ids of this form are reserved for chunk ids. */
const RESERVED_SUFFIX = /_chunk_\d+(@[0-9a-f]*)?$/;
/** A chunk id as systems before versioned ids wrote it (`{docId}_chunk_{i}`), for adopting their collections. */
const LEGACY_CHUNK_ID = /^(.+)_chunk_(0|[1-9]\d*)$/;

/** Whether a document id is reserved because it ends like a chunk id. */
export function isReservedDocId(docId: string): boolean {
  return RESERVED_SUFFIX.test(docId);
}

/** A one-chunk document keeps its id; otherwise chunk i is `{docId}_chunk_{i}@{version in hex}`. */
export function chunkId(docId: string, index: number, total: number, writeId: number): string {
  return total === 1 ? docId : `${docId}_chunk_${index}@${writeId.toString(16)}`;
}

/** The document id and index of a legacy chunk id `{docId}_chunk_{i}`, or null. */
export function parseLegacyChunkId(id: string): { docId: string; index: number } | null {
  const match = LEGACY_CHUNK_ID.exec(id);
  return match ? { docId: match[1]!, index: Number(match[2]) } : null;
}

let lastWriteId = 0;
/**
 * A new write id: milliseconds since the epoch times 1,024 plus a counter, so ids grow with time, stay unique in
 * a process, and remain exact doubles (below 2^53) for centuries. Chroma compares them as numbers.
 */
export function nextWriteId(): number {
  lastWriteId = Math.max(Date.now() * 1024, lastWriteId + 1);
  return lastWriteId;
}
