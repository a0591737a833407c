/**
 * The embedded Chroma session's Python host, in one run:
 * 1. Per-operation overhead: a no-op `count` through the executor against the same call in plain Python, and
 *    the pieces in between (a raw pipe round trip to an echo process from the main thread and from a worker
 *    thread, the executor's thread hop alone, the host's count without the owner thread).
 * 2. Write throughput: `ChromaDoltSync.writeDocuments` of the demo's documents against plain chromadb adding the
 *    same chunk records with the same embeddings, in the same run. With BENCH_BASELINE_DIST (the dist/ folder of
 *    another build), that build's writeDocuments and count run side by side too, named by BENCH_BASELINE_NAME.
 * BENCH_HOST_PARTS=overhead (or =writes) runs one part only (the write part takes minutes).
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Bench } from 'tinybench';
import { Chroma } from '../lib/chroma/chroma.js';
import { FramedChild } from '../lib/chroma/framed-child.js';
import { hashEmbedder } from '../lib/chroma/hash-embedder.js';
import { sampleDocuments } from '../lib/cli/sample-docs.js';
import type { VersionStore } from '../lib/dolt/version-store.js';
import { SessionExecutor } from '../lib/executor/session-executor.js';
import { findPython } from '../lib/python/discovery.js';
import { workerFile } from '../lib/paths.js';
import { sessionSpec } from '../lib/session.js';
import { ChromaDoltSync } from '../lib/sync/chroma-dolt-sync.js';
import { toChunkRecords } from '../lib/sync/documents.js';
import type NoopSession from './fixtures/noop-session.js';
import { emit, medianMs, round } from './report.js';

const python = findPython().path;
const baselineScript = fileURLToPath(new URL('../../bench/python/host_baseline.py', import.meta.url));
const echoScript = fileURLToPath(new URL('../../bench/fixtures/echo_host.py', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'host-bench-'));
const pinned = process.env.BENCH_PINNED === '1';
const where = pinned ? 'pinned to one CPU (taskset -c 0; Python too)' : 'unpinned';
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const baselineDist = process.env.BENCH_BASELINE_DIST;
const baselineName = process.env.BENCH_BASELINE_NAME ?? 'baseline';
const before = baselineDist
  ? {
      Chroma: ((await import(pathToFileURL(`${baselineDist}/lib/chroma/chroma.js`).href)) as { Chroma: typeof Chroma }).Chroma,
      ChromaDoltSync: ((await import(pathToFileURL(`${baselineDist}/lib/sync/chroma-dolt-sync.js`).href)) as { ChromaDoltSync: typeof ChromaDoltSync })
        .ChromaDoltSync,
    }
  : null;
const baseline = (...args: string[]) => JSON.parse(execFileSync(python, [baselineScript, ...args], { encoding: 'utf8' })) as Record<string, number>;

// ---- 1. Per-operation overhead ----
const COUNT_REPS = 400;
const plainBefore = baseline('count', String(COUNT_REPS));

const echo = new FramedChild(python, [echoScript], process.env);
const relay = new Worker(new URL('./fixtures/pipe-echo-worker.js', import.meta.url), { workerData: { python, script: echoScript } });
await once(relay, 'message');
const relayed = (message: unknown) =>
  new Promise((resolve) => {
    relay.once('message', resolve);
    relay.postMessage(message);
  });
const host = new FramedChild(python, [workerFile('chroma_host.py')], { ...process.env, ANONYMIZED_TELEMETRY: 'False' });
await host.request({ op: 'open', args: { path: join(dir, 'host') } });
await host.request({ op: 'create_collection', args: { name: 'overhead' } });
const noop = await SessionExecutor.start(sessionSpec<typeof NoopSession>(new URL('./fixtures/noop-session.js', import.meta.url), undefined));
const chroma = await Chroma.embedded({ path: join(dir, 'embedded'), embeddingFunction: null });
await chroma.createCollection({ name: 'overhead' });
const chromaBefore = before ? await before.Chroma.embedded({ path: join(dir, 'embedded-before'), embeddingFunction: null }) : null;
await chromaBefore?.createCollection({ name: 'overhead' });
const countRequest = { op: 'count', args: { collection: 'overhead' } };
const perOp: Record<string, () => Promise<unknown>> = {
  'raw pipe round trip, main thread <-> echo process': () => echo.request(countRequest),
  'raw pipe round trip through a worker thread': () => relayed(countRequest),
  'executor no-op (the thread hop alone)': () => noop.call('noop', undefined),
  'host count from the main thread (no owner thread)': () => host.request(countRequest),
  'count through Chroma.embedded (ours)': () => chroma.count('overhead'),
  ...(chromaBefore ? { [`count through Chroma.embedded (${baselineName})`]: () => chromaBefore.count('overhead') } : {}),
};
const PASSES = 3;
const perPass = new Map<string, number[]>();
const names = Object.keys(perOp);
for (let pass = 0; pass < PASSES; pass++) {
  const bench = new Bench({ time: 600, warmupTime: 150 } as ConstructorParameters<typeof Bench>[0]);
  const shift = Math.floor((pass * names.length) / PASSES);
  for (const name of [...names.slice(shift), ...names.slice(0, shift)]) bench.add(name, () => perOp[name]!().then(() => {}));
  await bench.run();
  for (const name of names) perPass.set(name, [...(perPass.get(name) ?? []), medianMs(bench, name)]);
}
const plainAfter = baseline('count', String(COUNT_REPS));
await Promise.all([chroma.close(), chromaBefore?.close(), noop.close(), echo.stop(5_000), host.stop(5_000), relay.terminate()]);
const plainCount = median([plainBefore['backToBack']!, plainAfter['backToBack']!]);
const plainApart = median([plainBefore['apart']!, plainAfter['apart']!]);
const plainApartLonger = median([plainBefore['apartLonger']!, plainAfter['apartLonger']!]);
const us = (ms: number) => round(ms * 1000, 0);
const ours = median(perPass.get('count through Chroma.embedded (ours)')!);
emit({
  id: `host-overhead-${pinned ? 'pinned' : 'unpinned'}`,
  title: `Python host: per-operation overhead of a no-op count, ${where}`,
  columns: ['path', 'round trip (us, median)', 'over plain Python back to back (us)'],
  rows: [
    ['plain Python, count() back to back', us(plainCount), 0],
    ['plain Python, count() 0.1 ms apart', us(plainApart), us(plainApart - plainCount)],
    ['plain Python, count() 0.5 ms apart', us(plainApartLonger), us(plainApartLonger - plainCount)],
    ...names.map((name) => {
      const value = median(perPass.get(name)!);
      return [name, us(value), name.includes('count') ? us(value - plainCount) : '-'];
    }),
  ],
  notes: [
    `Overhead of ours over plain Python back to back: ${round(ours - plainCount, 3)} ms; over plain Python with calls 0.1 ms apart: ${round(ours - plainApart, 3)} ms.`,
    `Median over ${PASSES} passes (tinybench, each task once per pass in a rotated order); plain Python: ${COUNT_REPS} calls, before and after the Node tasks.`,
    'chromadb answers a call slower when its threads were idle before it (compare 0.1 and 0.5 ms apart): a call over a pipe comes after such a pause, longer when the load delays wake-ups, so part of the gap is not the transport.',
    'Measured on a shared 2-vCPU machine under load from other jobs.',
  ],
});

// ---- 2. Write throughput ----
const parts = (process.env.BENCH_HOST_PARTS ?? 'overhead,writes').split(',');
/** Documents written, and rounds at that size (a round at 10,000 documents takes about a minute here). */
const SIZES = [
  { size: 2_000, rounds: 7 },
  { size: 10_000, rounds: 3 },
];
const embed = hashEmbedder();
/** writeDocuments reads only the store's size limit: no store is needed to measure the Chroma side. */
const noStore = { maxDocumentBytes: undefined } as unknown as VersionStore;
const rows: Array<Array<string | number>> = [];
let fresh = 0;
/** ms of one writeDocuments of `docs` into a new collection of a new database (ours or the baseline build's). */
async function timedWrite(chromaClass: typeof Chroma, syncClass: typeof ChromaDoltSync, docs: ReturnType<typeof sampleDocuments>): Promise<number> {
  const session = await chromaClass.embedded({ path: join(dir, `write-${fresh++}`), embeddingFunction: null });
  try {
    await session.createCollection({ name: 'written' });
    const started = performance.now();
    await new syncClass(session, noStore).writeDocuments('written', docs);
    return performance.now() - started;
  } finally {
    await session.close();
  }
}
for (const { size, rounds } of parts.includes('writes') ? SIZES : []) {
  const docs = sampleDocuments(size);
  // The records writeDocuments makes, with the embeddings it computes: what plain chromadb is given.
  const records = toChunkRecords(docs, 1);
  const plainRecords = { ...records, embeddings: await embed.generate(records.documents) };
  const recordsFile = join(dir, `records-${size}.json`);
  writeFileSync(recordsFile, JSON.stringify(plainRecords));
  const runs: Record<string, () => Promise<number>> = {
    writeDocuments: () => timedWrite(Chroma, ChromaDoltSync, docs),
    'Chroma.embedded add, embeddings given': async () => {
      const session = await Chroma.embedded({ path: join(dir, `add-${fresh++}`), embeddingFunction: null });
      try {
        await session.createCollection({ name: 'added' });
        const started = performance.now();
        for (let start = 0; start < records.ids.length; start += session.maxBatchSize) {
          const end = start + session.maxBatchSize;
          await session.add('added', {
            ids: plainRecords.ids.slice(start, end),
            documents: plainRecords.documents.slice(start, end),
            metadatas: plainRecords.metadatas.slice(start, end),
            embeddings: plainRecords.embeddings.slice(start, end),
          });
        }
        return performance.now() - started;
      } finally {
        await session.close();
      }
    },
    'plain chromadb add': async () => baseline('add', recordsFile)['ms']!,
    ...(before
      ? {
          [`writeDocuments (${baselineName})`]: () => timedWrite(before.Chroma, before.ChromaDoltSync, docs),
        }
      : {}),
  };
  const samples: Record<string, number[]> = {};
  const entries = Object.entries(runs);
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of [...entries.slice(r % entries.length), ...entries.slice(0, r % entries.length)]) {
      (samples[name] ??= []).push(await run());
    }
  }
  const chunksPerSecond = (name: string) => (records.ids.length * 1000) / median(samples[name]!);
  const plainMs = samples['plain chromadb add']!;
  for (const name of Object.keys(runs)) {
    // Each round's ratio to the plain add of the same round (run next to it), then the median: the load on
    // this machine drifts more between rounds than within one.
    const ratio = median(samples[name]!.map((ms, r) => plainMs[r]! / ms));
    const range = samples[name]!.map((ms, r) => plainMs[r]! / ms).sort((a, b) => a - b);
    rows.push([
      `${size.toLocaleString('en-US')} documents (${records.ids.length.toLocaleString('en-US')} chunks)`,
      name,
      Math.round(chunksPerSecond(name)),
      round(ratio, 2),
      `${round(range[0]!, 2)}-${round(range[range.length - 1]!, 2)}`,
    ]);
  }
}
if (parts.includes('writes')) emit({
  id: `host-write-throughput-${pinned ? 'pinned' : 'unpinned'}`,
  title: `Python host: writeDocuments throughput vs plain chromadb add (the demo's documents, hash embeddings), ${where}`,
  columns: ['write', 'run', 'chunks/s (median)', 'vs plain chromadb (median of rounds)', 'range over rounds'],
  rows,
  notes: [
    `${SIZES.map((s) => `${s.rounds} rounds at ${s.size.toLocaleString('en-US')}`).join(', ')}, the runs in a rotated order within each; each run writes into a new database (a fuller database adds more slowly). The ratio is the median over rounds of plain chromadb's time in that round over the run's.`,
    'writeDocuments includes everything it does: validation, the lookup of what exists, chunking and hashing, the 64-dim hash embeddings, the writes. Plain chromadb is given the finished records and embeddings.',
    'Measured on a shared 2-vCPU machine under load from other jobs.',
  ],
});
rmSync(dir, { recursive: true, force: true });
