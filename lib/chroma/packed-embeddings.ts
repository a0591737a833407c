/**
 * Embeddings as a write carries them between threads and to the Python host: one Float32Array, row after
 * row, instead of an array of arrays of numbers.
 *
 * Why: a write's vectors are most of its bytes, and as `number[][]` they are also most of its cost on this
 * side. Measured on 10,000 chunks of 64 dimensions: cloning them to the owner thread took ~100 ms of CPU and
 * writing them as JSON text ~65 ms (8.6 MB of digits, which Python then parsed back, ~35 ms); packed, the
 * clone is one copy of 2.5 MB and the pipe carries them as base64 (a few ms each way). Chroma keeps vectors as
 * 32-bit floats, so packing loses nothing it would keep: a JavaScript number rounds to the same float32 here
 * as chromadb rounds it (to nearest, ties to even).
 *
 * Vectors that cannot be packed without changing what Chroma would be told (rows of different lengths, a
 * value that is not a finite number) are sent as given, so Chroma's own checks answer them as before.
 */

/** Vectors of one dimension, row after row. */
export interface PackedEmbeddings {
  readonly dimension: number;
  readonly values: Float32Array;
}

/** How packed vectors cross the Python host's pipe: the Float32Array's bytes in base64 (native byte order). */
export interface WirePackedEmbeddings {
  dimension: number;
  base64: string;
}

/** The vectors packed, or `null` when packing would change what Chroma is told (see the module comment). */
export function packEmbeddings(vectors: unknown): PackedEmbeddings | null {
  if (!Array.isArray(vectors) || vectors.length === 0 || !Array.isArray(vectors[0])) return null;
  const dimension = (vectors[0] as unknown[]).length;
  if (dimension === 0) return null;
  const values = new Float32Array(vectors.length * dimension);
  for (let row = 0; row < vectors.length; row++) {
    const vector: unknown = vectors[row];
    if (!Array.isArray(vector) || vector.length !== dimension) return null;
    const at = row * dimension;
    for (let k = 0; k < dimension; k++) {
      const value: unknown = vector[k];
      if (typeof value !== 'number' || !Number.isFinite(value)) return null;
      values[at + k] = value;
    }
  }
  return { dimension, values };
}

/** The number of vectors. */
export function rowCount(packed: PackedEmbeddings): number {
  return packed.values.length / packed.dimension;
}

/** Rows `start` to `end` (exclusive) as arrays of numbers, for a client that takes nothing else. */
export function unpackEmbeddings(packed: PackedEmbeddings, start = 0, end = rowCount(packed)): number[][] {
  const { dimension, values } = packed;
  const out: number[][] = [];
  for (let row = start; row < end; row++) out.push(Array.from(values.subarray(row * dimension, (row + 1) * dimension)));
  return out;
}

/** The form the Python host reads (see `packed_embeddings` in workers/chroma_host.py). */
export function toWire(packed: PackedEmbeddings): WirePackedEmbeddings {
  const { values } = packed;
  return { dimension: packed.dimension, base64: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64') };
}

/** Vectors for a write: packed when they can be (see the module comment), else as given. */
export type WriteEmbeddings = { packedEmbeddings: PackedEmbeddings } | { embeddings: number[][] };

export function forWrite(vectors: number[][]): WriteEmbeddings {
  const packed = packEmbeddings(vectors);
  return packed ? { packedEmbeddings: packed } : { embeddings: vectors };
}

/** Records with their given `embeddings` packed when they can be; records without embeddings unchanged. */
export function withPackedEmbeddings<T extends { embeddings?: number[][] }>(records: T): Omit<T, 'embeddings'> & Partial<WriteEmbeddings> {
  if (!records.embeddings) return records;
  const { embeddings, ...rest } = records;
  return { ...rest, ...forWrite(embeddings) };
}
