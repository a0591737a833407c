import test from 'ava';
import { Coalescer } from '../lib/coalescer.js';
import { ExistsCoalescer } from '../lib/exists-coalescer.js';
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
  const err = await t.throwsAsync(Promise.all([coalescer.load('a'), coalescer.load('b')]), { instanceOf: TypeError, code: 'ERR_INVALID_RETURN_VALUE' });
  t.regex(err.message, /1 results for 2 keys/);
  const notAnArray = new Coalescer<string, number>(async () => 'nope' as never);
  await t.throwsAsync(notAnArray.load('a'), { instanceOf: TypeError, code: 'ERR_INVALID_RETURN_VALUE' });
});

test('bad options are refused when constructed; a throwing keyOf rejects its own load only', async (t) => {
  const { bulk } = countingBulk();
  for (const maxBatchSize of [NaN, 0, -1, 1.5, -Infinity]) {
    t.throws(() => new Coalescer(bulk, { maxBatchSize }), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE', message: /maxBatchSize/ }, String(maxBatchSize));
  }
  const typeError = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' };
  t.throws(() => new Coalescer(bulk, { maxBatchSize: '5' as never }), { ...typeError, message: /maxBatchSize/ });
  t.throws(() => new Coalescer(bulk, { maxBachSize: 5 } as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE', message: /unknown option "maxBachSize"/ });
  t.throws(() => new Coalescer(bulk, { keyOf: 'id' as never }), { ...typeError, message: /keyOf/ });
  for (const load of [null, undefined, 'x', 5, {}]) {
    t.throws(() => new Coalescer(load as never), { ...typeError, message: /bulk load/ }, String(load));
  }
  // A number or an array where the options belong would otherwise leave every option at its default unseen.
  for (const options of [5, 'maxBatchSize', [], true]) {
    t.throws(() => new Coalescer(bulk, options as never), { ...typeError, message: /options/ }, String(options));
  }
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

test('ExistsCoalescer refuses a bad loader or batch size when made, and non-string names per call', async (t) => {
  const typeError = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' };
  t.throws(() => new ExistsCoalescer('existing' as never, 10), typeError);
  t.throws(() => new ExistsCoalescer(async () => new Set<string>(), 0), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => new ExistsCoalescer(async () => new Set<string>(), NaN), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' });
  let lookups = 0;
  const coalesced = new ExistsCoalescer(async (_collection, ids) => {
    lookups++;
    return new Set(ids.filter((id) => id !== 'gone'));
  }, 10);
  // A number id would never equal a stored (string) id: it would answer false, not say what is wrong.
  await t.throwsAsync(coalesced.exists('docs', 5 as never), { ...typeError, message: /id must be a string/ });
  await t.throwsAsync(coalesced.exists(undefined as never, 'a'), { ...typeError, message: /collection must be a string/ });
  t.is(lookups, 0);
  t.deepEqual(await Promise.all([coalesced.exists('docs', 'a'), coalesced.exists('docs', 'gone')]), [true, false]);
  t.is(lookups, 1);
});
