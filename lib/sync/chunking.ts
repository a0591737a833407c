/**
 * Chunking as the seed system did it: windows of 512 characters overlapping by 50. Characters are Unicode code
 * points (not UTF-16 units), so a chunk never splits a surrogate pair and the text survives a round trip
 * through Python, whose strings count code points too.
 */
export const CHUNK_SIZE = 512;
export const CHUNK_OVERLAP = 50;

export function chunkText(content: string, size = CHUNK_SIZE, overlap = CHUNK_OVERLAP): string[] {
  const chars = Array.from(content);
  if (chars.length <= size) return [content];
  const step = size - overlap;
  const chunks: string[] = [];
  for (let start = 0; start < chars.length; start += step) {
    chunks.push(chars.slice(start, start + size).join(''));
    if (start + size >= chars.length) break;
  }
  return chunks;
}

/** The inverse of chunkText for chunks in order: each chunk after the first repeats `overlap` characters. */
export function joinChunks(chunks: string[], overlap = CHUNK_OVERLAP): string {
  if (chunks.length === 1) return chunks[0]!;
  return chunks.map((chunk, i) => (i === 0 ? chunk : Array.from(chunk).slice(overlap).join(''))).join('');
}

/** A one-chunk document keeps its id; otherwise chunk i is `{docId}_chunk_{i}`. */
export function chunkId(docId: string, index: number, total: number): string {
  return total === 1 ? docId : `${docId}_chunk_${index}`;
}
