/**
 * A small deterministic local embedder: each token is hashed into one of `dimensions` buckets (with a hashed
 * sign), and the vector is L2-normalised. It needs no model and no download, and texts sharing words land
 * near each other, but it is NOT semantic: use it for tests, demos, and change tracking, and pass a real
 * embedder (or explicit embeddings) for search quality.
 */
export type Embedder = (texts: string[]) => number[][] | Promise<number[][]>;

export function hashEmbedder(dimensions = 64): Embedder {
  return (texts) => texts.map((text) => embed(text, dimensions));
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
