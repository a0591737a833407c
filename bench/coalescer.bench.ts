/**
 * 1,000 concurrent exists() checks against a session: one message per check, the coalescer (ours and the
 * dataloader package), and one hand-built bulk call, all in one run.
 */
import DataLoader from 'dataloader';
import { Bench } from 'tinybench';
import { Coalescer } from '../lib/coalescer.js';
import { SessionExecutor } from '../lib/executor/session-executor.js';
import { sessionSpec } from '../lib/session.js';
import type NoopSession from './fixtures/noop-session.js';
import { emit, medianMs, round } from './report.js';

const exec = await SessionExecutor.start(
  sessionSpec<typeof NoopSession>(new URL('./fixtures/noop-session.js', import.meta.url), undefined),
  { maxQueue: 10_000 },
);
const ids = Array.from({ length: 1_000 }, (_, i) => `id${i * 7}`);
const bulk = (keys: readonly string[]) => exec.call('bulkExists', [...keys]);
const ours = new Coalescer<string, boolean>(bulk, { maxBatchSize: 5_000 });
const loader = new DataLoader<string, boolean>(bulk, { cache: false, maxBatchSize: 5_000 });
// With its cache on (cleared before each round) DataLoader also sends each distinct key once, as ours does.
const dedupingLoader = new DataLoader<string, boolean>(bulk, { maxBatchSize: 5_000 });

const bench = new Bench({ time: 1_000, warmupTime: 200 } as ConstructorParameters<typeof Bench>[0]);
bench
  .add('one message per check', () => Promise.all(ids.map((id) => exec.call('exists', id))))
  .add('Coalescer (ours, dedupes)', () => Promise.all(ids.map((id) => ours.load(id))))
  .add('dataloader, cache off (no dedupe)', () => Promise.all(ids.map((id) => loader.load(id))))
  .add('dataloader, cache on, cleared per round (dedupes)', () => {
    dedupingLoader.clearAll();
    return Promise.all(ids.map((id) => dedupingLoader.load(id)));
  })
  .add('hand-built bulk call', () => exec.call('bulkExists', ids));
await bench.run();

const pinned = process.env.BENCH_PINNED === '1';
const bulkMs = medianMs(bench, 'hand-built bulk call');
emit({
  id: `coalescer-${pinned ? 'pinned' : 'unpinned'}`,
  title: `1,000 concurrent exists() through the executor, ${pinned ? 'pinned to one CPU' : 'unpinned'}`,
  columns: ['approach', 'median (ms)', 'vs hand-built bulk call'],
  rows: bench.tasks.map((task) => [task.name, round(medianMs(bench, task.name), 3), round(medianMs(bench, task.name) / bulkMs, 2)]),
});
await exec.close();
