/**
 * Transport: no-op round trip and throughput with 1, 16 and 256 operations in flight, for a raw MessagePort,
 * piscina (one thread), comlink, and SessionExecutor, all in one run. Two more executor rows show what the
 * progress channel costs: an op that reports once per call, with and without a listener.
 *
 * Before/after comparisons in one run: set BENCH_BASELINE_DIST to another build's `dist` folder (e.g. main's)
 * and its executor is measured side by side, named by BENCH_BASELINE_NAME (default "baseline").
 */
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { wrap, type Remote } from 'comlink';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { SessionExecutor } from '../lib/executor/session-executor.js';
import { sessionSpec } from '../lib/session.js';
import type NoopSession from './fixtures/noop-session.js';
import { emit, medianMs, round } from './report.js';

const nodeEndpoint = createRequire(import.meta.url)('comlink/dist/umd/node-adapter.js');
const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

// Raw: one message per op, answered by one message; the baseline every ratio is taken against.
const rawWorker = new Worker(fixture('raw-worker.js'));
const rawPending = new Map<number, () => void>();
let rawNext = 0;
rawWorker.on('message', (id: number) => {
  rawPending.get(id)!();
  rawPending.delete(id);
});
const raw = () =>
  new Promise<void>((resolve) => {
    const id = rawNext++;
    rawPending.set(id, resolve);
    rawWorker.postMessage(id);
  });

const pool = new Piscina({ filename: fixture('piscina-worker.js').href, minThreads: 1, maxThreads: 1 });
const comlinkWorker = new Worker(fixture('comlink-worker.js'));
const remote = wrap<{ noop(): null }>(nodeEndpoint(comlinkWorker)) as Remote<{ noop(): null }>;
const exec = await SessionExecutor.start(sessionSpec<typeof NoopSession>(fixture('noop-session.js'), undefined), {
  maxQueue: 10_000,
});
const baselineDist = process.env.BENCH_BASELINE_DIST;
const baseline = baselineDist
  ? await (
      (await import(pathToFileURL(`${baselineDist}/lib/executor/session-executor.js`).href)) as { SessionExecutor: typeof SessionExecutor }
    ).SessionExecutor.start(
      sessionSpec<typeof NoopSession>(pathToFileURL(`${baselineDist}/bench/fixtures/noop-session.js`), undefined),
      { maxQueue: 10_000 },
    )
  : undefined;

const baselineRow = `session-executor (${process.env.BENCH_BASELINE_NAME ?? 'baseline'})`;
const listening = { onProgress: () => {} };
const impls: Record<string, () => Promise<unknown>> = {
  'raw postMessage': raw,
  'piscina (1 thread)': () => pool.run(null),
  comlink: () => remote.noop(),
  'session-executor': () => exec.call('noop', undefined),
  'session-executor, op reports progress, no listener': () => exec.call('noopWithProgress', undefined),
  'session-executor, op reports progress to onProgress': () => exec.call('noopWithProgress', undefined, listening),
  ...(baseline ? { [baselineRow]: () => baseline.call('noop', undefined) } : {}),
};
const inFlight = [1, 16, 256];

// Several passes, each running every task once in a rotated order, and the median over passes: on a shared
// machine the load drifts during a run, and one pass in a fixed order would hand the drift to whichever tasks
// happen to run during a busy spell.
const passes = Number(process.env.BENCH_PASSES ?? 3);
const tasks = Object.entries(impls).flatMap(([name, op]) => inFlight.map((n) => ({ name: `${name}|${n}`, op, n })));
const perPass = new Map<string, number[]>();
for (let pass = 0; pass < passes; pass++) {
  const bench = new Bench({ time: 700, warmupTime: 200 } as ConstructorParameters<typeof Bench>[0]);
  const shift = Math.floor((pass * tasks.length) / passes);
  for (const { name, op, n } of [...tasks.slice(shift), ...tasks.slice(0, shift)]) {
    bench.add(name, async () => {
      const calls = new Array(n);
      for (let i = 0; i < n; i++) calls[i] = op();
      await Promise.all(calls);
    });
  }
  await bench.run();
  for (const { name } of tasks) perPass.set(name, [...(perPass.get(name) ?? []), medianMs(bench, name)]);
}
/** Median over passes of each pass's median latency, in ms. */
const medianOf = (name: string): number => {
  const values = [...perPass.get(name)!].sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
};

const pinned = process.env.BENCH_PINNED === '1';
const rows: Array<Array<string | number>> = [];
const rawOpsPerSec = (n: number) => (n * 1000) / medianOf(`raw postMessage|${n}`);
for (const name of Object.keys(impls)) {
  const rt = medianOf(`${name}|1`) * 1000;
  const row: Array<string | number> = [name, round(rt, 1), round(rt / (medianOf('raw postMessage|1') * 1000), 2)];
  for (const n of inFlight.slice(1)) {
    const opsPerSec = (n * 1000) / medianOf(`${name}|${n}`);
    row.push(`${Math.round(opsPerSec / 1000)}k (${round(opsPerSec / rawOpsPerSec(n), 2)}x)`);
  }
  rows.push(row);
}
const opsPerSec = (name: string, n: number) => (n * 1000) / medianOf(`${name}|${n}`);
const ours256 = opsPerSec('session-executor', 256);
const percentOf = (name: string, n: number) => `${round((opsPerSec(name, n) / opsPerSec('session-executor', n)) * 100, 1)}%`;
const baselineNote = baseline
  ? [
      `Against ${baselineRow}, same run: round trip ${round(medianOf('session-executor|1') / medianOf(`${baselineRow}|1`), 3)}x its time, 256 in flight ${round(ours256 / opsPerSec(baselineRow, 256), 3)}x its throughput.`,
    ]
  : [];
emit({
  id: `transport-${pinned ? 'pinned' : 'unpinned'}`,
  title: `Transport, no-op op, ${pinned ? 'pinned to one CPU (taskset -c 0)' : 'unpinned (2 vCPUs)'}`,
  columns: ['implementation', 'round trip (us, median)', 'vs raw', '16 in flight, ops/s (vs raw)', '256 in flight, ops/s (vs raw)'],
  rows,
  notes: [
    `Median over ${passes} passes, each running every task once in a rotated order.`,
    `At 256 in flight session-executor is ${round(ours256 / opsPerSec('piscina (1 thread)', 256), 1)}x piscina and ${round(ours256 / opsPerSec('comlink', 256), 1)}x comlink.`,
    `An op reporting progress once per call, at 256 in flight: ${percentOf('session-executor, op reports progress, no listener', 256)} of the no-op's throughput without a listener (the report is dropped in the owner), ${percentOf('session-executor, op reports progress to onProgress', 256)} with one (one more value per call crosses the threads).`,
    ...baselineNote,
  ],
});

await exec.close();
await baseline?.close();
await pool.destroy();
await Promise.all([rawWorker.terminate(), comlinkWorker.terminate()]);
