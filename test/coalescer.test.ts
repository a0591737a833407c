import test from 'ava';
import { Coalescer } from '../lib/coalescer.js';
import { startTestSession } from './helpers/start-test-session.js';

function countingBulk(fail?: (key: string) => boolean) {
  const calls: string[][] = [];
  const bulk = async (keys: readonly string[]) => {
    calls.push([...keys]);
    return keys.map((key) => (fail?.(key) ? new Error(`no ${key}`) : key.toUpperCase()));
  };
  return { calls, bulk };
}

test('N concurrent loads make ceil(unique / maxBatchSize) bulk calls, duplicates sent once', async (t) => {
  const { calls, bulk } = countingBulk();
  const coalescer = new Coalescer(bulk, { maxBatchSize: 100 });
  const keys = Array.from({ length: 1_000 }, (_, i) => `k${i % 250}`); // 250 unique keys, each 4 times
  const values = await Promise.all(keys.map((key) => coalescer.load(key)));
  t.deepEqual(values, keys.map((key) => key.toUpperCase()));
  t.is(calls.length, Math.ceil(250 / 100));
  t.is(new Set(calls.flat()).size, 250);
  t.is(calls.flat().length, 250);
  t.is(coalescer.bulkCalls, 3);
});

test('one failing key does not fail the others; a failing bulk call fails only its own keys', async (t) => {
  const { bulk } = countingBulk((key) => key === 'bad');
  const coalescer = new Coalescer(bulk);
  const [good, bad, dup] = await Promise.allSettled([coalescer.load('good'), coalescer.load('bad'), coalescer.load('bad')]);
  t.deepEqual(good, { status: 'fulfilled', value: 'GOOD' });
  t.is((bad as PromiseRejectedResult).reason.message, 'no bad');
  t.is((dup as PromiseRejectedResult).reason.message, 'no bad');

  let call = 0;
  const flaky = new Coalescer<number, number>(
    async (keys) => {
      if (call++ === 0) throw new Error('first chunk down');
      return keys.map((k) => k * 2);
    },
    { maxBatchSize: 2 },
  );
  const results = await Promise.allSettled([1, 2, 3, 4].map((k) => flaky.load(k)));
  t.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected', 'fulfilled', 'fulfilled'],
  );
});

test('a bulk function returning the wrong number of results rejects its keys with a clear error', async (t) => {
  const coalescer = new Coalescer<string, number>(async () => [1]);
  const err = await t.throwsAsync(Promise.all([coalescer.load('a'), coalescer.load('b')]));
  t.regex(err.message, /1 results for 2 keys/);
});

test('bad options are refused when constructed; a throwing keyOf rejects its own load only', async (t) => {
  const { bulk } = countingBulk();
  for (const maxBatchSize of [NaN, 0, -1, 1.5]) {
    t.throws(() => new Coalescer(bulk, { maxBatchSize }), { instanceOf: RangeError, message: /maxBatchSize/ }, String(maxBatchSize));
  }
  t.throws(() => new Coalescer(bulk, { maxBatchSize: '5' as never }), { instanceOf: TypeError, message: /maxBatchSize/ });
  t.throws(() => new Coalescer(bulk, { maxBachSize: 5 } as never), { instanceOf: TypeError, message: /unknown option "maxBachSize"/ });
  t.throws(() => new Coalescer(bulk, { keyOf: 'id' as never }), { instanceOf: TypeError, message: /keyOf/ });
  t.throws(() => new Coalescer(null as never), { instanceOf: TypeError, message: /bulk load/ });
  const unbounded = new Coalescer(bulk, { maxBatchSize: Infinity });
  t.deepEqual(await Promise.all(['a', 'b'].map((key) => unbounded.load(key))), ['A', 'B']);
  const picky = new Coalescer(bulk, {
    keyOf: (key: string) => {
      if (key === 'bad') throw new Error('no key for bad');
      return key;
    },
  });
  const [good, bad] = await Promise.allSettled([picky.load('good'), picky.load('bad')]);
  t.deepEqual(good, { status: 'fulfilled', value: 'GOOD' });
  t.is(bad.status, 'rejected');
});

test('loads in separate ticks are separate batches (no cache), loads from promise callbacks join the batch', async (t) => {
  const { calls, bulk } = countingBulk();
  const coalescer = new Coalescer(bulk);
  await coalescer.load('a');
  await coalescer.load('a');
  t.is(calls.length, 2);
  calls.length = 0;
  await Promise.all([coalescer.load('x'), Promise.resolve().then(() => coalescer.load('y'))]);
  t.deepEqual(calls, [['x', 'y']]);
  t.is((await Promise.all([])).length, 0);
  t.is(calls.length, 1, 'no bulk call without keys');
});

test('1,000 concurrent exists() through an executor cost one owner op per batch', async (t) => {
  const exec = await startTestSession();
  t.teardown(() => exec.close());
  const exists = new Coalescer<string, boolean>((ids) => exec.call('bulkExists', [...ids]), { maxBatchSize: 400 });
  const ids = Array.from({ length: 1_000 }, (_, i) => (i % 10 === 0 ? `missing${i}` : `id${i}`));
  const found = await Promise.all(ids.map((id) => exists.load(id)));
  t.is(found.filter(Boolean).length, 900);
  t.is(exec.stats().ops['bulkExists']!.ok, 3);
});
