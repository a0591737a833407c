/**
 * A small deterministic local embedding function: each token is hashed into one of `dimensions` buckets (with
 * a hashed sign), and the vector is L2-normalised. It needs no model and no download, and texts sharing words
 * land near each other, but it is NOT semantic ("kitten" is no nearer to "cats" than to "stocks"): use it for
 * tests, demos and change tracking, and a real embedding function for search quality.
 */

import { argError, checkWholeNumber, describeValue } from '../check-args.js';
import type { PackedEmbeddings } from './packed-embeddings.js';

/** A function from texts to vectors (the older form of an embedding function; both are accepted). */
export type Embedder = (texts: string[]) => number[][] | Promise<number[][]>;

/** The token-hash embedding function: callable as an {@link Embedder} and usable as an `EmbeddingFunction`. */
export interface HashEmbeddingFunction extends Embedder {
  /** `'hash'`: the name a collection records. */
  readonly name: 'hash';
  /** Always `false`: similar words do not give similar vectors. */
  readonly semantic: false;
  readonly dimensions: number;
  generate(texts: string[]): Promise<number[][]>;
}

/** Longest vector {@link hashEmbedder} makes: far above any embedding model's, far below a memory problem. */
export const MAX_HASH_DIMENSIONS = 65_536;

/**
 * @param dimensions length of every vector, a whole number from 1 to 65,536 (else it throws
 * `ERR_INVALID_ARG_TYPE` or `ERR_OUT_OF_RANGE` at once, not at the first embedding). @default 64
 */
export function hashEmbedder(dimensions = 64): HashEmbeddingFunction {
  checkWholeNumber('hashEmbedder', 'dimensions', dimensions, 1, MAX_HASH_DIMENSIONS, false);
  const embedAll = (texts: string[]) => {
    checkTexts(texts);
    const scratch = new Float64Array(dimensions);
    return texts.map((text) => Array.from(normalised(text, scratch)));
  };
  const generate = async (texts: string[]) => embedAll(texts);
  // A function object, so that code passing it where a plain embedder function is expected keeps working.
  const embedder = Object.assign(embedAll, { semantic: false as const, dimensions, generate });
  Object.defineProperty(embedder, 'name', { value: 'hash' }); // a function's own `name` is read-only
  packers.set(embedder, (texts) => embedPacked(texts, dimensions));
  return embedder as typeof embedder & { readonly name: 'hash' };
}

/** The packed form of each hash embedder made here (see packedHashEmbedder). */
const packers = new WeakMap<object, (texts: string[]) => PackedEmbeddings>();

/**
 * For a hash embedder, a function giving its vectors packed (the same values, written straight into one
 * Float32Array rather than an array per text); `undefined` for any other embedder.
 */
export function packedHashEmbedder(embedder: unknown): ((texts: string[]) => PackedEmbeddings) | undefined {
  return typeof embedder === 'function' || (typeof embedder === 'object' && embedder !== null) ? packers.get(embedder) : undefined;
}

function checkTexts(texts: unknown): void {
  if (!Array.isArray(texts)) throw argError(`hashEmbedder: texts must be an array of strings, got ${describeValue(texts)}`, 'ERR_INVALID_ARG_TYPE');
  for (let i = 0; i < texts.length; i++) {
    if (typeof texts[i] !== 'string') {
      throw argError(`hashEmbedder: texts[${i}] must be a string, got ${describeValue(texts[i])}`, 'ERR_INVALID_ARG_TYPE');
    }
  }
}

function embedPacked(texts: string[], dimensions: number): PackedEmbeddings {
  const values = new Float32Array(texts.length * dimensions);
  const scratch = new Float64Array(dimensions);
  texts.forEach((text, row) => values.set(normalised(text, scratch), row * dimensions));
  return { dimension: dimensions, values };
}

/**
 * One text's vector, in `vector` (overwritten): each token (a run of letters and digits, Unicode-aware, of the
 * lower-cased text) adds a hashed sign to a hashed bucket; then the vector is L2-normalised.
 *
 * The tokens are found by a scan over the text's UTF-16 units rather than a regular expression: same tokens,
 * same FNV-1a hash of their units (computed as the token is read, so no token string is made), a third of the
 * time. ASCII is classified by a table; other characters by the regular expression once each, then cached.
 */
function normalised(text: string, vector: Float64Array): Float64Array {
  vector.fill(0);
  const dimensions = vector.length;
  const lower = text.toLowerCase();
  const length = lower.length;
  let hash = FNV_OFFSET;
  let inToken = false;
  for (let i = 0; i < length; i++) {
    const unit = lower.charCodeAt(i);
    let word: boolean;
    let second = -1; // the low surrogate of a pair, hashed with its high one
    if (unit < 0x80) word = ASCII_WORD[unit] === 1;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < length && isLowSurrogate(lower.charCodeAt(i + 1))) {
      second = lower.charCodeAt(i + 1);
      word = WORD_CHAR.test(lower.slice(i, i + 2));
    } else word = isWordUnit(unit);
    if (word) {
      hash = Math.imul(hash ^ unit, FNV_PRIME);
      if (second >= 0) hash = Math.imul(hash ^ second, FNV_PRIME);
      inToken = true;
    } else if (inToken) {
      addToken(vector, hash >>> 0, dimensions);
      hash = FNV_OFFSET;
      inToken = false;
    }
    if (second >= 0) i++;
  }
  if (inToken) addToken(vector, hash >>> 0, dimensions);
  // Math.hypot as before (not a sum of squares: the vectors must stay bit for bit what they were); `apply`
  // takes the typed array as it is, where a spread would copy it into arguments first (4x slower).
  const norm = Math.hypot.apply(null, vector as unknown as number[]);
  // An empty text still gets a valid (non-zero) vector: Chroma's distance functions dislike zero vectors.
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  for (let k = 0; k < dimensions; k++) vector[k]! /= norm;
  return vector;
}

function addToken(vector: Float64Array, hash: number, dimensions: number): void {
  vector[hash % dimensions]! += hash & 0x80000000 ? -1 : 1;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** A token character: a letter or a digit, as Unicode defines them (one code point). */
const WORD_CHAR = /^[\p{L}\p{N}]$/u;
const ASCII_WORD = new Uint8Array(0x80).map((_, unit) => (WORD_CHAR.test(String.fromCharCode(unit)) ? 1 : 0));
/** Non-ASCII units of the Basic Multilingual Plane: 0 not yet classified, 1 word, 2 not. */
const BMP_CLASS = new Uint8Array(0x10000);

function isWordUnit(unit: number): boolean {
  let known = BMP_CLASS[unit]!;
  if (known === 0) BMP_CLASS[unit] = known = WORD_CHAR.test(String.fromCharCode(unit)) ? 1 : 2;
  return known === 1;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
