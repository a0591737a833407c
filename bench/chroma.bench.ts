/**
 * The embedded Chroma session through the executor vs the same calls in a plain Python script (the limit)
 * and the remote session (npm chromadb client against a local Chroma server), in one run: create a collection,
 * add 1,000 documents, get 1,000 ids, 1,000 coalesced exists(), and count (for the per-operation overhead).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { Chroma } from '../lib/chroma/chroma.js';
import { findPython } from '../lib/python/discovery.js';
import { startChromaServer } from '../lib/servers/chroma-server.js';
import { emit, medianMs, round } from './report.js';

const REPS = 10;
const n = 1_000;
const dim = 32;
const ids = Array.from({ length: n }, (_, i) => `doc-${i}`);
const embeddings = ids.map((_, i) => Array.from({ length: dim }, (_, k) => Math.sin(i * 31 + k)));
const documents = ids.map((_, i) => `document number ${i} with some text`);
const metadatas = ids.map((_, i) => ({ i }));

const plainScript = fileURLToPath(new URL('../../bench/python/chroma_plain.py', import.meta.url));
const plain = JSON.parse(execFileSync(findPython().path, [plainScript, String(REPS)], { encoding: 'utf8' })) as Record<
  string,
  number
>;

const dir = mkdtempSync(join(tmpdir(), 'chroma-bench-'));
/** Adds the five operations for one session to a bench; names are `${kind}|${operation}`. */
async function addTasks(bench: Bench, kind: string, chroma: Chroma): Promise<void> {
  let created = 0;
  let added = 0;
  await chroma.createCollection({ name: 'reads' });
  await chroma.add('reads', { ids, embeddings, documents, metadatas });
  bench
    .add(`${kind}|create`, () => chroma.createCollection({ name: `create-${created++}` }).then(() => {}))
    .add(
      `${kind}|add`,
      () => chroma.add(`add-${added}`, { ids, embeddings, documents, metadatas }).then(() => {}),
      { beforeEach: () => chroma.createCollection({ name: `add-${++added}` }).then(() => {}) } as never,
    )
    .add(`${kind}|get`, () => chroma.get('reads', { ids, include: ['documents', 'metadatas'] }).then(() => {}))
    .add(`${kind}|exists`, () => Promise.all(ids.map((id) => chroma.exists('reads', id))).then(() => {}))
    .add(`${kind}|count`, () => chroma.count('reads').then(() => {}), { iterations: REPS * 20 } as never);
}

// One after the other, in one run: the Chroma server's background threads would otherwise compete with the
// embedded session for the CPU (all of it on one CPU when pinned).
const options = { iterations: REPS, time: 0, warmup: false } as ConstructorParameters<typeof Bench>[0];
const bench = new Bench(options);
const embedded = await Chroma.embedded({ path: join(dir, 'embedded') });
await addTasks(bench, 'embedded', embedded);
await bench.run();
await embedded.close();

const remoteBench = new Bench(options);
const server = await startChromaServer({ path: join(dir, 'server') });
const remote = await Chroma.remote({ host: server.host, port: server.port });
await addTasks(remoteBench, 'remote', remote);
await remoteBench.run();
await remote.close();
await server.stop();

const labels: Record<string, string> = {
  create: 'create a collection',
  add: 'add 1,000 documents (32-dim)',
  get: 'get 1,000 ids',
  exists: '1,000 coalesced exists()',
  count: 'count (per-op overhead)',
};
const pinned = process.env.BENCH_PINNED === '1';
const where = pinned ? 'pinned to one CPU (taskset -c 0; Python and the server too)' : 'unpinned';
emit({
  id: `chroma-embedded-${pinned ? 'pinned' : 'unpinned'}`,
  title: `Embedded Chroma (Python chromadb 1.5.9): executor vs plain Python, ${where}`,
  columns: ['operation', 'plain Python (ms, median)', 'through the executor (ms, median)', 'ratio', 'overhead (ms)'],
  rows: Object.keys(labels).map((key) => {
    const ours = medianMs(bench, `embedded|${key}`);
    return [labels[key]!, round(plain[key]!, 2), round(ours, 2), round(ours / plain[key]!, 2), round(ours - plain[key]!, 2)];
  }),
  notes: [
    `${REPS} repetitions each (count: ${REPS * 20}). The executor path adds the thread hop, length-prefixed JSON over a pipe to the Python child, and JSON in Python: four wake-ups of sleeping threads/processes per operation, which is most of the count overhead on 2 vCPUs.`,
    'For reference, the seed system measured 50 ms for create_collection in pure Python and "3-4 seconds" through its .NET bridge.',
  ],
});
emit({
  id: `chroma-remote-${pinned ? 'pinned' : 'unpinned'}`,
  title: `Chroma sessions: embedded (Python PersistentClient) vs remote (npm chromadb client -> chroma run on 127.0.0.1), ${where}`,
  columns: ['operation', 'embedded (ms, median)', 'remote (ms, median)', 'remote / embedded'],
  rows: Object.keys(labels).map((key) => {
    const a = medianMs(bench, `embedded|${key}`);
    const b = medianMs(remoteBench, `remote|${key}`);
    return [labels[key]!, round(a, 2), round(b, 2), round(b / a, 2)];
  }),
});
rmSync(dir, { recursive: true, force: true });
