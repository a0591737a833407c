/**
 * Transport: no-op round trip and throughput with 1, 16 and 256 operations in flight, for a raw MessagePort,
 * piscina (one thread), comlink, and SessionExecutor, all in one run.
 */
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { wrap, type Remote } from 'comlink';
import { createRequire } from 'node:module';
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

const impls: Record<string, () => Promise<unknown>> = {
  'raw postMessage': raw,
  'piscina (1 thread)': () => pool.run(null),
  comlink: () => remote.noop(),
  'session-executor': () => exec.call('noop', undefined),
};
const inFlight = [1, 16, 256];

const bench = new Bench({ time: 700, warmupTime: 200 } as ConstructorParameters<typeof Bench>[0]);
for (const [name, op] of Object.entries(impls)) {
  for (const n of inFlight) {
    bench.add(`${name}|${n}`, async () => {
      const calls = new Array(n);
      for (let i = 0; i < n; i++) calls[i] = op();
      await Promise.all(calls);
    });
  }
}
await bench.run();

const pinned = process.env.BENCH_PINNED === '1';
const rows: Array<Array<string | number>> = [];
const rawOpsPerSec = (n: number) => (n * 1000) / medianMs(bench, `raw postMessage|${n}`);
for (const name of Object.keys(impls)) {
  const rt = medianMs(bench, `${name}|1`) * 1000;
  const row: Array<string | number> = [name, round(rt, 1), round(rt / (medianMs(bench, 'raw postMessage|1') * 1000), 2)];
  for (const n of inFlight.slice(1)) {
    const opsPerSec = (n * 1000) / medianMs(bench, `${name}|${n}`);
    row.push(`${Math.round(opsPerSec / 1000)}k (${round(opsPerSec / rawOpsPerSec(n), 2)}x)`);
  }
  rows.push(row);
}
const ours256 = (256 * 1000) / medianMs(bench, 'session-executor|256');
emit({
  id: `transport-${pinned ? 'pinned' : 'unpinned'}`,
  title: `Transport, no-op op, ${pinned ? 'pinned to one CPU (taskset -c 0)' : 'unpinned (2 vCPUs)'}`,
  columns: ['implementation', 'round trip (us, median)', 'vs raw', '16 in flight, ops/s (vs raw)', '256 in flight, ops/s (vs raw)'],
  rows,
  notes: [
    `At 256 in flight session-executor is ${round(ours256 / ((256 * 1000) / medianMs(bench, 'piscina (1 thread)|256')), 1)}x piscina and ${round(ours256 / ((256 * 1000) / medianMs(bench, 'comlink|256')), 1)}x comlink.`,
  ],
});

await exec.close();
await pool.destroy();
await Promise.all([rawWorker.terminate(), comlinkWorker.terminate()]);
