/**
 * The version hash is computed in Node (when writing, and for remote Chroma) and in the Python host (embedded
 * Chroma): both must agree byte for byte for every value Chroma can hold. Checked here with the host's own
 * functions over a table of values and many random doubles; the sync and repository suites check it again
 * through a real Chroma of each kind.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findPython } from '../../lib/python/discovery.js';
import { canonicalMetadata, contentHash, documentHash } from '../../lib/sync/hashing.js';
import { ownMetadata, SYNC_KEYS } from '../../lib/sync/documents.js';
import { METADATA_TABLE } from '../repository/metadata-scenario.js';

const script = fileURLToPath(new URL('../fixtures/version_hash.py', import.meta.url));

/** A value as Python would hold it when Node cannot say so in JSON: a float that is integral, an int past 2^53. */
type PyValue = unknown;
interface Case {
  text: string;
  /** What Python holds (tagged values). */
  python: Record<string, PyValue>;
  /** What Node reads back from Chroma for the same record. */
  node: Record<string, unknown>;
}

const same = (text: string, metadata: Record<string, unknown>): Case => ({ text, python: metadata, node: metadata });

const CASES: Case[] = [
  same('no metadata', {}),
  same('text with astral 😀 and 漢字', METADATA_TABLE),
  same('', { only: '' }),
  same('x', { a: 1, b: '1', c: true }),
  same('x', { a: true }),
  same('x', { a: 1 }),
  same('x', { nested: [1, 'two', true, 2.5] }),
  same('x', { '\uE000': 1, '😀': 2, a: 3, A: 4, é: 5 }),
  same('x', { nothing: null, kept: 'yes' }),
  // The sync layer's keys are not the document's.
  same('x', Object.fromEntries([...SYNC_KEYS.map((key) => [key, 7]), ['own', 'mine']])),
  // Chroma hands Python a float where Node reads an integral number, and ints past 2^53 that Node rounds.
  { text: 'floats', python: { one: { $float: '1.0' }, big: { $float: '1e21' }, negZero: { $float: '-0.0' } }, node: { one: 1, big: 1e21, negZero: -0 } },
  { text: 'ints', python: { max: { $int: '9223372036854775807' }, min: { $int: '-9223372036854775808' } }, node: { max: 9223372036854775807, min: -9223372036854775808 } },
];

/** Doubles to write as JavaScript's String() does, in Python: edge cases and random bit patterns. */
function numbers(): number[] {
  const out = [0, -0, 1, -1, 1.5, 0.1, 100, 1e21, 1e20, 1e-7, 1e-6, 123e-20, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 2 ** 53, 2 ** 53 + 2, -2.5e-8];
  let seed = 0x2545f491;
  const next = () => (seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0);
  const view = new DataView(new ArrayBuffer(8));
  while (out.length < 20_000) {
    view.setUint32(0, next());
    view.setUint32(4, next());
    const x = view.getFloat64(0);
    if (Number.isFinite(x)) out.push(x);
    out.push(next() / 1000, (next() % 1_000_000) * 10 ** ((next() % 40) - 20));
  }
  return out;
}

test('the Python host and Node compute the same version hash for every value Chroma holds, and write numbers alike', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'se-version-hash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'in.json');
  const output = join(dir, 'out.json');
  const nums = numbers();
  writeFileSync(input, JSON.stringify({ documents: CASES.map((c) => ({ text: c.text, metadata: c.python })), numbers: nums }));
  await promisify(execFile)(findPython().path, [script, input, output], { timeout: 120_000 });
  const result = JSON.parse(readFileSync(output, 'utf8')) as { hashes: string[]; numbers: string[] };

  CASES.forEach((c, i) => t.is(result.hashes[i], documentHash(c.text, ownMetadata(c.node as never)), `case ${i}`));
  const wrong = nums.map((x, i) => [x, String(x), result.numbers[i]] as const).filter(([, node, python]) => node !== python);
  t.deepEqual(wrong.slice(0, 5), [], `${wrong.length} of ${nums.length} numbers written differently`);
  t.is(result.numbers.length, nums.length);
});

test('a document without metadata of its own keeps the hash of its text; any change of metadata changes the hash', (t) => {
  t.is(documentHash('text', {}), contentHash('text'));
  t.is(documentHash('text', { gone: null }), contentHash('text'), 'a null is an absent key (Chroma holds none)');
  const base = documentHash('text', { a: 1 });
  t.not(base, contentHash('text'));
  t.not(documentHash('text', { a: '1' }), base, 'type counts');
  t.not(documentHash('text', { a: true }), documentHash('text', { a: 1 }));
  t.not(documentHash('text', { a: 2 }), base);
  t.not(documentHash('text', { b: 1 }), base, 'the key counts');
  t.not(documentHash('other', { a: 1 }), base, 'the text counts');
  t.is(documentHash('text', { a: 1, b: 2 }), documentHash('text', { b: 2, a: 1 }), 'key order does not');
  t.is(documentHash('text', { a: -0 }), documentHash('text', { a: 0 }));
  // Lengths delimit strings: no two metadata objects share an encoding.
  t.not(canonicalMetadata({ a: 'b1:c' }), canonicalMetadata({ a: 'b', c: '' }));
  t.throws(() => canonicalMetadata({ a: 1n as never }), { instanceOf: TypeError });
});
