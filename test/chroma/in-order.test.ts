import test from 'ava';
import { InOrder } from '../../lib/chroma/in-order.js';

/** A promise settled by hand, to decide in which order preparations finish. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

test('operations enter in call order even when later preparations finish first; preparations start at once', async (t) => {
  const order = new InOrder();
  const submitted: string[] = [];
  const started: string[] = [];
  const submit = (name: string) => (prepared?: unknown) => {
    submitted.push(`${name}:${String(prepared)}`);
    return Promise.resolve(name);
  };
  const slow = deferred<string>();
  const fast = deferred<string>();
  const results = Promise.all([
    order.run(() => (started.push('a'), slow.promise), submit('a')),
    order.run(() => (started.push('b'), fast.promise), submit('b')),
    order.run(null, submit('c')),
  ]);
  t.deepEqual(started, ['a', 'b'], 'both preparations began before either finished');
  fast.resolve('B');
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(submitted, [], 'b waits for a to enter');
  slow.resolve('A');
  t.deepEqual(await results, ['a', 'b', 'c']);
  t.deepEqual(submitted, ['a:A', 'b:B', 'c:undefined']);
});

test('a failed preparation submits nothing, rejects its caller, and does not hold up later operations', async (t) => {
  const order = new InOrder();
  const submitted: string[] = [];
  const failing = order.run(
    () => Promise.reject(new Error('embedding failed')),
    () => (submitted.push('never'), Promise.resolve()),
  );
  const later = order.run(null, () => (submitted.push('later'), Promise.resolve('ok')));
  await t.throwsAsync(failing, { message: 'embedding failed' });
  t.is(await later, 'ok');
  t.deepEqual(submitted, ['later']);
});

test('with nothing being prepared, an operation is submitted synchronously (no extra promise)', (t) => {
  const order = new InOrder();
  let submitted = false;
  const promise = Promise.resolve(1);
  t.is(order.run(null, () => ((submitted = true), promise)), promise);
  t.true(submitted);
});
