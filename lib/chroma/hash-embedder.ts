/**
 * A small deterministic local embedding function: each token is hashed into one of `dimensions` buckets (with
 * a hashed sign), and the vector is L2-normalised. It needs no model and no download, and texts sharing words
 * land near each other, but it is NOT semantic ("kitten" is no nearer to "cats" than to "stocks"): use it for
 * tests, demos and change tracking, and a real embedding function for search quality.
 */

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

/** @param dimensions length of every vector. @default 64 */
export function hashEmbedder(dimensions = 64): HashEmbeddingFunction {
  const embedAll = (texts: string[]) => texts.map((text) => embed(text, dimensions));
  const generate = async (texts: string[]) => embedAll(texts);
  // A function object, so that code passing it where a plain embedder function is expected keeps working.
  const embedder = Object.assign(embedAll, { semantic: false as const, dimensions, generate });
  Object.defineProperty(embedder, 'name', { value: 'hash' }); // a function's own `name` is read-only
  return embedder as typeof embedder & { readonly name: 'hash' };
}

function embed(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const [token] of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const hash = fnv1a(token);
    vector[hash % dimensions]! += hash & 0x80000000 ? -1 : 1;
  }
  const norm = Math.hypot(...vector);
  // An empty text still gets a valid (non-zero) vector: Chroma's distance functions dislike zero vectors.
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  return vector.map((value) => value / norm);
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
