/**
 * Memory stays bounded whatever callers pass: distinct labels share capped metrics, unknown op names are
 * rejected before anything is allocated. (Unbounded, 20,000 labels once took 10 GB.)
 */
import test from 'ava';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { UnknownOpError } from '../lib/errors.js';
import { MAX_LABELS, OTHER_LABEL } from '../lib/metrics.js';
import { startTestSession } from './helpers/start-test-session.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function settledRss(): number {
  gc();
  gc();
  return process.memoryUsage().rss;
}

test('20,000 distinct labels and 1,000 unknown op names grow RSS by less than 20 MB', async (t) => {
  const exec = await startTestSession({ maxQueue: 10_000 });
  t.teardown(() => exec.close());
  // Warm up until both threads' heaps and the allocator reach their plateau (measured: after about 40,000
  // calls), so the measurement sees what the labels cost, not start-up.
  for (let round = 0; round < 600; round++) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => exec.call('noop', undefined, { label: `warm-${i % 8}` })));
  }
  const before = settledRss();
  for (let start = 0; start < 20_000; start += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => exec.call('noop', undefined, { label: `label-${start + i}` })));
  }
  for (let i = 0; i < 1_000; i++) {
    await t.throwsAsync(exec.call(`missing-op-${i}` as 'noop', undefined), { instanceOf: UnknownOpError });
  }
  const grownMb = (settledRss() - before) / 2 ** 20;
  t.log(`RSS grew ${grownMb.toFixed(1)} MB`);
  t.true(grownMb < 20, `RSS grew ${grownMb.toFixed(1)} MB`);

  const stats = exec.stats();
  const labels = Object.keys(stats.ops);
  t.is(labels.length, MAX_LABELS + 1, 'the first labels, then one shared record');
  t.true(labels.includes(OTHER_LABEL));
  t.is(stats.ops[OTHER_LABEL]!.ok, 20_000 + 8 - MAX_LABELS);
  t.is(stats.unknownOps, 1_000);
  t.false(labels.some((label) => label.startsWith('missing-op')), 'unknown names are never counted per name');
});
