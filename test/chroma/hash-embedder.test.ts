import test from 'ava';
import { MAX_HASH_DIMENSIONS, hashEmbedder } from '../../lib/chroma/hash-embedder.js';

test('hashEmbedder refuses a bad dimension count when made, not at the first embedding', (t) => {
  for (const dimensions of ['64', null, {}]) {
    t.throws(() => hashEmbedder(dimensions as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' }, String(dimensions));
  }
  for (const dimensions of [0, -1, 1.5, NaN, Infinity, MAX_HASH_DIMENSIONS + 1, 2 ** 40]) {
    t.throws(() => hashEmbedder(dimensions), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' }, String(dimensions));
  }
  t.is((hashEmbedder(1)(['a b']) as number[][])[0]!.length, 1);
  t.is((hashEmbedder()(['a']) as number[][])[0]!.length, 64);
});

test('a hash embedder called with something other than an array of strings says so, sync and async', async (t) => {
  const embed = hashEmbedder(8);
  const typeError = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' };
  t.throws(() => embed('one text' as never), typeError);
  t.throws(() => embed(['fine', 5] as never), { ...typeError, message: /texts\[1\]/ });
  await t.throwsAsync(embed.generate(null as never), typeError);
  t.deepEqual(embed([]), []);
});
