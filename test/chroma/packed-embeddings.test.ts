/**
 * Vectors cross to the session packed (one Float32Array), and the hash embedder writes them so directly. Both
 * must change nothing of what Chroma is told: the same float32 values as before, and vectors Chroma would
 * refuse still reach it as given.
 */
import test from 'ava';
import { hashEmbedder, packedHashEmbedder } from '../../lib/chroma/hash-embedder.js';
import { forWrite, packEmbeddings, rowCount, toWire, unpackEmbeddings } from '../../lib/chroma/packed-embeddings.js';
import { chunkText } from '../../lib/sync/chunking.js';

/** The hash embedder as it was first written (a regular expression per token): the vectors must not change. */
function referenceHashEmbedding(text: string, dimensions: number): number[] {
  const fnv1a = (token: string) => {
    let hash = 0x811c9dc5;
    for (let i = 0; i < token.length; i++) {
      hash ^= token.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    return hash >>> 0;
  };
  const vector = new Array<number>(dimensions).fill(0);
  for (const [token] of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const hash = fnv1a(token);
    vector[hash % dimensions]! += hash & 0x80000000 ? -1 : 1;
  }
  const norm = Math.hypot(...vector);
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  return vector.map((value) => value / norm);
}

const texts = [
  '',
  '   ...   ',
  'The executor keeps the queue (Überprüfung).',
  'İstanbul ǅemal STRASSE ß ΣΑΣ ﬁne', // lower-casing that changes length or needs context
  '𝒜𝒷𝒸 𝟘𝟙 😀x 日本語のメモ Ⅻ ⅻ ½ ² ٣', // astral letters and digits, symbols, other numerals
  'lone \uD800 high, lone \uDC00 low, at the end \uD83D', // lone surrogates are not letters
  'snake_case-and-kebab 123abc abc123',
  Array.from({ length: 3_000 }, (_, i) => `word${i % 97} `).join(''),
];

test('the hash embedder gives the same vectors as its first version, as arrays and packed', (t) => {
  for (const dimensions of [64, 7, 384]) {
    const embedder = hashEmbedder(dimensions);
    const expected = texts.map((text) => referenceHashEmbedding(text, dimensions));
    t.deepEqual(embedder(texts), expected, `arrays, ${dimensions} dimensions`);
    const packed = packedHashEmbedder(embedder)!(texts);
    t.is(packed.dimension, dimensions);
    t.deepEqual(Array.from(packed.values), expected.flat().map(Math.fround), `packed, ${dimensions} dimensions`);
  }
  t.is(packedHashEmbedder((texts: string[]) => texts.map(() => [1])), undefined, 'another embedder has no packed form');
});

test('packing keeps float32 values in order; vectors Chroma must judge are sent as given', (t) => {
  const vectors = [
    [0.1, 1 / 3, -2.5e-8, 12_345.678],
    [Math.PI, -Math.E, 0, 1e-40],
    [1, 2, 3, 4],
  ];
  const packed = packEmbeddings(vectors)!;
  t.is(packed.dimension, 4);
  t.is(rowCount(packed), 3);
  t.deepEqual(unpackEmbeddings(packed), vectors.map((row) => row.map(Math.fround)));
  t.deepEqual(unpackEmbeddings(packed, 1, 2), [vectors[1]!.map(Math.fround)]);
  const wire = toWire({ dimension: 2, values: packed.values.subarray(2, 6) });
  const bytes = Buffer.from(wire.base64, 'base64');
  const sent = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  t.deepEqual(Array.from(sent), Array.from(packed.values.subarray(2, 6)), 'a subarray sends only its own bytes');
  for (const odd of [[[1, 2], [1]], [[1, Number.NaN]], [[1, Infinity]], [['1', 2]], [[]], [], [[1], null]]) {
    t.is(packEmbeddings(odd), null, JSON.stringify(odd));
    t.deepEqual(forWrite(odd as number[][]), { embeddings: odd as number[][] });
  }
});

test('chunking text without surrogates slices it directly, with the same windows as by code points', (t) => {
  const byCodePoints = (text: string) => {
    const chars = Array.from(text);
    const out: string[] = [];
    for (let start = 0; start < chars.length; start += 462) {
      out.push(chars.slice(start, start + 512).join(''));
      if (start + 512 >= chars.length) break;
    }
    return out;
  };
  for (const length of [511, 512, 513, 974, 975, 2_000]) {
    const plain = Array.from({ length }, (_, i) => 'abcdéf日 '[i % 9]).join('');
    t.deepEqual(chunkText(plain), byCodePoints(plain), `${length} characters, no surrogates`);
    const astral = Array.from({ length }, (_, i) => (i % 11 === 0 ? '😀' : 'x')).join('');
    t.deepEqual(chunkText(astral), byCodePoints(astral), `${length} code points with surrogate pairs`);
  }
});
