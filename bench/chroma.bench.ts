/**
 * The embedded Chroma session through the executor vs the same calls in a plain Python script (the limit)
 * and the remote session (npm chromadb client against a local Chroma server), in one run: create a collection,
 * add 1,000 documents, get 1,000 ids, 1,000 coalesced exists(), and count (for the per-operation overhead).
 * In the same run: the collection handle against the name-first methods (what the handle adds), and a
 * caller-side embedding function whose work overlaps the owner's previous write (pipelining).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { setTimeout as delay } from 'node:timers/promises';
import { Chroma } from '../lib/chroma/chroma.js';
import type { EmbeddingFunction } from '../lib/chroma/embedding.js';
import { hashEmbedder } from '../lib/chroma/hash-embedder.js';
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

/**
 * Runs each function once per round, round by round (not one task to completion as tinybench does), so that
 * load from other processes on this shared machine falls on all of them alike. Returns each one's median, ms.
 */
async function interleaved(runs: Record<string, () => Promise<unknown>>, rounds: number): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  const entries = Object.entries(runs);
  for (let round = 0; round < rounds; round++) {
    // Every other round in reverse, so that no function always follows the same one (and its garbage).
    for (const [name, run] of round % 2 ? [...entries].reverse() : entries) {
      const started = performance.now();
      await run();
      (samples[name] ??= []).push(performance.now() - started);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

// The same operations through a collection handle and through the name-first methods.
const handle = await embedded.getCollection({ name: 'reads', embeddingFunction: null });
const writes = await embedded.createCollection({ name: 'writes', embeddingFunction: null });
await writes.add({ ids, embeddings, documents, metadatas });
const handleCountMs = await interleaved(
  { 'name-first|count': () => embedded.count('reads'), 'handle|count': () => handle.count() },
  REPS * 20,
);
const handleMs = await interleaved(
  {
    'name-first|get': () => embedded.get('reads', { ids, include: ['documents', 'metadatas'] }),
    'handle|get': () => handle.get({ ids, include: ['documents', 'metadatas'] }),
    'name-first|upsert': () => embedded.upsert('writes', { ids, embeddings, documents, metadatas }),
    'handle|upsert': () => writes.upsert({ ids, embeddings, documents, metadatas }),
    'name-first|exists': () => Promise.all(ids.map((id) => embedded.exists('reads', id))),
    'handle|exists': () => Promise.all(ids.map((id) => handle.exists(id))),
  },
  REPS,
);
Object.assign(handleMs, handleCountMs);

/**
 * A caller-side embedding function that takes EMBED_MS per batch, one batch at a time, without using this
 * thread's CPU (like a single-worker embedding service), writing BATCHES batches of BATCH documents: awaited one
 * by one (embed, write, embed, write...) or all issued at once (the facade embeds batch k+1 while the owner
 * writes batch k). Ideal overlap: max(embedding, writes) instead of their sum.
 */
const EMBED_MS = 60;
const BATCHES = 10;
const BATCH = 100;
const hash = hashEmbedder(32);
let serviceQueue: Promise<unknown> = Promise.resolve();
const service: EmbeddingFunction = {
  name: 'simulated-service',
  generate(texts) {
    const done = serviceQueue.then(() => delay(EMBED_MS)).then(() => hash(texts) as number[][]);
    serviceQueue = done.catch(() => {});
    return done;
  },
};
const batchDocuments = Array.from({ length: BATCHES }, (_, b) => documents.slice(b * BATCH, (b + 1) * BATCH));
const batchEmbeddings = batchDocuments.map((texts) => hash(texts) as number[][]);
/** Fresh ids on every run, so every run adds the same amount of new data (upserts over old ids cost more). */
let runNumber = 0;
const freshBatches = () => {
  const run = runNumber++;
  return batchDocuments.map((texts, b) => ({ ids: texts.map((_, i) => `run${run}-${b}-${i}`), documents: texts }));
};
const embeddedPipe = await embedded.createCollection({ name: 'pipelined', embeddingFunction: service });
const writeOnly = await embedded.createCollection({ name: 'write-only', embeddingFunction: null });
const pipelineRuns: Record<string, () => Promise<unknown>> = {
  'embed only': async () => {
    for (const texts of batchDocuments) await service.generate(texts);
  },
  'write only': async () => {
    for (const [b, batch] of freshBatches().entries()) await writeOnly.add({ ...batch, embeddings: batchEmbeddings[b] });
  },
  'awaited one by one': async () => {
    for (const batch of freshBatches()) await embeddedPipe.add(batch);
  },
  'issued at once': () => Promise.all(freshBatches().map((batch) => embeddedPipe.add(batch))),
};
const PIPELINE_ROUNDS = 7;
const pipelineMs = await interleaved(pipelineRuns, PIPELINE_ROUNDS);
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
emit({
  id: `chroma-handle-${pinned ? 'pinned' : 'unpinned'}`,
  title: `Chroma collection handle vs name-first methods (embedded session, same run), ${where}`,
  columns: ['operation', 'name-first (ms, median)', 'handle (ms, median)', 'handle - name-first (ms)'],
  rows: [
    ['count (per-op overhead)', 'count'],
    ['get 1,000 ids', 'get'],
    ['upsert 1,000 documents (32-dim)', 'upsert'],
    ['1,000 coalesced exists()', 'exists'],
  ].map(([label, key]) => {
    const a = handleMs[`name-first|${key}`]!;
    const b = handleMs[`handle|${key}`]!;
    return [label!, round(a, 3), round(b, 3), round(b - a, 3)];
  }),
  notes: [`${REPS} rounds (count: ${REPS * 20}), the two forms interleaved round by round on a loaded machine.`],
});
const embedOnly = pipelineMs['embed only']!;
const writeOnlyMs = pipelineMs['write only']!;
const awaited = pipelineMs['awaited one by one']!;
const pipelined = pipelineMs['issued at once']!;
emit({
  id: `chroma-pipelined-embedding-${pinned ? 'pinned' : 'unpinned'}`,
  title: `Caller-side embedding function overlapping the owner's writes (embedded session, ${BATCHES} adds of ${BATCH} documents), ${where}`,
  columns: ['run', 'ms (median)'],
  rows: [
    [`embedding alone (${BATCHES} batches x ${EMBED_MS} ms, one at a time)`, round(embedOnly, 1)],
    ['writes alone (embeddings given)', round(writeOnlyMs, 1)],
    ['sum of the two (no overlap)', round(embedOnly + writeOnlyMs, 1)],
    ['handle adds awaited one by one (embed, write, embed, write...)', round(awaited, 1)],
    ['handle adds issued at once (embedding of batch k+1 during write k)', round(pipelined, 1)],
    ['time saved by overlapping (awaited - issued at once)', round(awaited - pipelined, 1)],
    ['ideal: max(embedding, writes)', round(Math.max(embedOnly, writeOnlyMs), 1)],
  ],
  notes: [
    'The embedding function waits like a single-worker embedding service would (one batch at a time, no CPU on the caller\'s thread). Issued at once, the facade starts every batch\'s embedding immediately and enters the writes into the owner\'s queue in call order; the owner never waits for an embedding while one is ready.',
    `${PIPELINE_ROUNDS} rounds, the four runs interleaved round by round; every run adds new ids.`,
  ],
});
rmSync(dir, { recursive: true, force: true });
