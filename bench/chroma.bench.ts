/**
 * The embedded Chroma session through the executor vs the same calls in a plain Python script (the limit),
 * in one run: create a collection, add 1,000 documents, get 1,000 ids, 1,000 coalesced exists(), and count
 * (for the per-operation overhead).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { Chroma } from '../lib/chroma/chroma.js';
import { defaultPython } from '../lib/paths.js';
import { emit, medianMs, round } from './report.js';

const REPS = 10;
const n = 1_000;
const dim = 32;
const ids = Array.from({ length: n }, (_, i) => `doc-${i}`);
const embeddings = ids.map((_, i) => Array.from({ length: dim }, (_, k) => Math.sin(i * 31 + k)));
const documents = ids.map((_, i) => `document number ${i} with some text`);
const metadatas = ids.map((_, i) => ({ i }));

const plainScript = fileURLToPath(new URL('../../bench/python/chroma_plain.py', import.meta.url));
const plain = JSON.parse(execFileSync(defaultPython(), [plainScript, String(REPS)], { encoding: 'utf8' })) as Record<
  string,
  number
>;

const dir = mkdtempSync(join(tmpdir(), 'chroma-bench-'));
const chroma = await Chroma.embedded({ path: dir });
let created = 0;
let added = 0;
await chroma.createCollection({ name: 'reads' });
await chroma.add('reads', { ids, embeddings, documents, metadatas });

const bench = new Bench({ iterations: REPS, time: 0, warmup: false } as ConstructorParameters<typeof Bench>[0]);
bench
  .add('create', () => chroma.createCollection({ name: `create-${created++}` }).then(() => {}))
  .add(
    'add',
    () => chroma.add(`add-${added}`, { ids, embeddings, documents, metadatas }).then(() => {}),
    { beforeEach: () => chroma.createCollection({ name: `add-${++added}` }).then(() => {}) } as never,
  )
  .add('get', () => chroma.get('reads', { ids, include: ['documents', 'metadatas'] }).then(() => {}))
  .add('exists', () => Promise.all(ids.map((id) => chroma.exists('reads', id))).then(() => {}))
  .add('count', () => chroma.count('reads').then(() => {}), { iterations: REPS * 20 } as never);
await bench.run();

const labels: Record<string, string> = {
  create: 'create a collection',
  add: 'add 1,000 documents (32-dim)',
  get: 'get 1,000 ids',
  exists: '1,000 coalesced exists()',
  count: 'count (per-op overhead)',
};
const rows = Object.keys(labels).map((key) => {
  const ours = medianMs(bench, key);
  return [labels[key]!, round(plain[key]!, 2), round(ours, 2), round(ours / plain[key]!, 2), round(ours - plain[key]!, 2)];
});
emit({
  id: 'chroma-embedded',
  title: 'Embedded Chroma (Python chromadb 1.5.9): executor vs plain Python, unpinned',
  columns: ['operation', 'plain Python (ms, median)', 'through the executor (ms, median)', 'ratio', 'overhead (ms)'],
  rows,
  notes: [
    `${REPS} repetitions each (count: ${REPS * 20}). The executor path includes the thread hop, JSON framing over the pipe, and JSON (de)serialisation in Python.`,
    'For reference, the seed system measured 50 ms for create_collection in pure Python and "3-4 seconds" through its .NET bridge.',
  ],
});
await chroma.close();
rmSync(dir, { recursive: true, force: true });
