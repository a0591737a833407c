/**
 * Input that cannot be encoded or is of the wrong type gets ChromaInvalidArgumentError, never a raw TypeError,
 * and never takes the embedded session's Python host down (no restart, same process).
 */
import test from 'ava';
import { Chroma } from '../../lib/chroma/chroma.js';
import { ChromaInvalidArgumentError } from '../../lib/chroma/errors.js';
import { tempDir } from '../helpers/temp-dir.js';

const lone = 'bad \ud800 string';

test('lone surrogates, non-string documents and BigInt metadata: typed errors, the session stays healthy', async (t) => {
  const chroma = await Chroma.embedded({ path: tempDir(t, 'bad-input') });
  t.teardown(() => chroma.close());
  await chroma.createCollection({ name: 'input' });
  await chroma.add('input', { ids: ['ok'], documents: ['fine'] });
  const pid = await chroma.executor.call('pid', undefined);
  const attempts: Array<[string, () => Promise<unknown>]> = [
    ['document', () => chroma.add('input', { ids: ['a'], documents: [lone] })],
    ['id', () => chroma.upsert('input', { ids: [lone], documents: ['x'] })],
    ['metadata value', () => chroma.add('input', { ids: ['a'], documents: ['x'], metadatas: [{ k: lone }] })],
    ['metadata key', () => chroma.add('input', { ids: ['a'], documents: ['x'], metadatas: [{ [lone]: 1 }] })],
    ['collection name', () => chroma.createCollection({ name: lone })],
    ['collection of a read', () => chroma.count(lone)],
    ['get ids', () => chroma.get('input', { ids: [lone] })],
    ['where', () => chroma.get('input', { where: { k: lone } })],
    ['delete ids', () => chroma.delete('input', { ids: [lone] })],
    ['exists', () => chroma.exists('input', lone)],
    ['query texts', () => chroma.query('input', { texts: [lone] })],
    ['non-string document', () => chroma.add('input', { ids: ['a'], documents: [42 as unknown as string] })],
    ['null document', () => chroma.add('input', { ids: ['a'], documents: [null as unknown as string] })],
    ['BigInt metadata', () => chroma.add('input', { ids: ['a'], documents: ['x'], metadatas: [{ n: 1n as unknown as number }] })],
    ['nested metadata', () => chroma.add('input', { ids: ['a'], documents: ['x'], metadatas: [{ n: { secret: 's3' } as never }] })],
    ['BigInt where', () => chroma.get('input', { where: { n: 1n } })],
    ['lengths differ', () => chroma.add('input', { ids: ['a', 'b'], documents: ['x'] })],
    // chromadb answered these with an IndexError: an untyped ChromaError.
    ['empty embedding', () => chroma.add('input', { ids: ['a'], embeddings: [[]] })],
    ['empty embedding in upsert', () => chroma.upsert('input', { ids: ['a', 'b'], embeddings: [[1, 2], []] })],
    ['empty embedding in update', () => chroma.update('input', { ids: ['ok'], embeddings: [[]] })],
  ];
  for (const [what, attempt] of attempts) {
    const error = await t.throwsAsync(attempt(), { instanceOf: ChromaInvalidArgumentError }, what);
    t.is(error?.code, 'ERR_CHROMA_INVALID_ARGUMENT');
    t.false(String(error?.message).includes('s3'), 'no value in the message');
  }
  t.is(await chroma.count('input'), 1);
  t.is(await chroma.executor.call('pid', undefined), pid, 'the host never restarted');
});

test('limit, offset and nResults that are not whole numbers in range: ChromaInvalidArgumentError, nothing read', async (t) => {
  const chroma = await Chroma.embedded({ path: tempDir(t, 'bad-counts'), embeddingFunction: 'hash' });
  t.teardown(() => chroma.close());
  const notes = await chroma.createCollection({ name: 'counts' });
  await notes.add({ ids: ['a', 'b'], documents: ['x', 'y'] });
  const attempts: Array<[string, () => Promise<unknown>]> = [];
  for (const bad of [-1, 1.5, NaN, Infinity, '2']) {
    attempts.push([`get limit ${String(bad)}`, () => notes.get({ limit: bad as number })]);
    attempts.push([`get offset ${String(bad)}`, () => notes.get({ offset: bad as number })]);
    attempts.push([`peek limit ${String(bad)}`, () => notes.peek({ limit: bad as number })]);
    attempts.push([`name-first get limit ${String(bad)}`, () => chroma.get('counts', { limit: bad as number })]);
  }
  for (const bad of [0, -1, 1.5, NaN, Infinity]) {
    attempts.push([`query nResults ${bad}`, () => notes.query({ queryTexts: ['x'], nResults: bad })]);
  }
  for (const [what, attempt] of attempts) {
    const error = await t.throwsAsync(attempt(), { instanceOf: ChromaInvalidArgumentError }, what);
    t.regex(String(error?.message), /(limit|offset|nResults) must be a whole number/, what);
  }
  t.deepEqual((await notes.get({ limit: 0 })).ids, [], 'limit 0 is a valid empty page');
  t.deepEqual((await notes.get({ limit: 1, offset: 1 })).ids.length, 1);
  t.is(chroma.executor.stats().ops['get']?.error ?? 0, 0, 'no bad count reached the session');
});

test('the Python host answers an undecodable request with an error and keeps serving', async (t) => {
  const chroma = await Chroma.embedded({ path: tempDir(t, 'bad-frame') });
  t.teardown(() => chroma.close());
  await chroma.createCollection({ name: 'frames' });
  const pid = await chroma.executor.call('pid', undefined);
  // Past the main-side checks, straight to the host: JSON carries the lone surrogate as an escape.
  for (let i = 0; i < 6; i++) {
    await t.throwsAsync(
      chroma.executor.call('add', { collection: 'frames', ids: [`x${i}`], documents: [lone], embeddings: [[1, 2, 3]] }),
      { instanceOf: ChromaInvalidArgumentError },
    );
    await t.throwsAsync(
      chroma.executor.call('get', { collection: lone }),
      { instanceOf: ChromaInvalidArgumentError },
    );
  }
  // A BigInt cannot even be framed: refused before a byte is sent.
  await t.throwsAsync(
    chroma.executor.call('add', { collection: 'frames', ids: ['b'], embeddings: [[1, 2, 3]], metadatas: [{ n: 1n as never }] }),
    { instanceOf: ChromaInvalidArgumentError },
  );
  // A metadata value Python refuses is echoed in its message; the error carries no value.
  const echoed = await t.throwsAsync(
    chroma.executor.call('add', { collection: 'frames', ids: ['m'], embeddings: [[1, 2, 3]], metadatas: [{ card: { number: '4111-secret' } as never }] }),
  );
  t.false(JSON.stringify({ message: echoed?.message, details: (echoed as { details?: unknown })?.details }).includes('4111-secret'));
  await chroma.add('frames', { ids: ['ok'], documents: ['fine'] });
  t.is(await chroma.count('frames'), 1);
  t.is(await chroma.executor.call('pid', undefined), pid, 'the same host process throughout');
});

test('parameters that are not objects, a write without ids and a query without texts: typed errors, nothing run', async (t) => {
  const chroma = await Chroma.embedded({ path: tempDir(t, 'bad-params'), embeddingFunction: 'hash' });
  t.teardown(() => chroma.close());
  const notes = await chroma.createCollection({ name: 'params' });
  await notes.add({ ids: ['a'], documents: ['x'] });
  const before = chroma.executor.stats().ops;
  const attempts: Array<[string, () => Promise<unknown>]> = [];
  // A number or string here used to be read as "no ids": writes resolved having written nothing, reads read all.
  for (const bad of [5, 'a', null, [], true]) {
    const shown = JSON.stringify(bad);
    attempts.push(
      [`add ${shown}`, () => notes.add(bad as never)],
      [`upsert ${shown}`, () => notes.upsert(bad as never)],
      [`update ${shown}`, () => notes.update(bad as never)],
      [`get ${shown}`, () => notes.get(bad as never)],
      [`peek ${shown}`, () => notes.peek(bad as never)],
      [`query ${shown}`, () => notes.query(bad as never)],
      [`delete ${shown}`, () => notes.delete(bad as never)],
      [`modify ${shown}`, () => notes.modify(bad as never)],
      [`name-first get ${shown}`, () => chroma.get('params', bad as never)],
      [`name-first delete ${shown}`, () => chroma.delete('params', bad as never)],
      [`name-first query ${shown}`, () => chroma.query('params', bad as never)],
      [`name-first add ${shown}`, () => chroma.add('params', bad as never)],
      [`getCollection ${shown}`, () => chroma.getCollection(bad as never)],
      [`createCollection ${shown}`, () => chroma.createCollection(bad as never)],
      [`getOrCreateCollection ${shown}`, () => chroma.getOrCreateCollection(bad as never)],
    );
  }
  attempts.push(
    ['deleteCollection null', () => chroma.deleteCollection(null as never)],
    ['existing null', () => chroma.existing('params', null as never)],
    ['add without ids', () => notes.add({ documents: ['y'] } as never)],
    ['name-first query without texts', () => chroma.query('params', {} as never)],
    ['query without texts', () => notes.query({})],
  );
  for (const [what, attempt] of attempts) {
    const error = await t.throwsAsync(attempt(), { instanceOf: ChromaInvalidArgumentError }, what);
    t.is(error?.code, 'ERR_CHROMA_INVALID_ARGUMENT', what);
  }
  t.deepEqual(chroma.executor.stats().ops, before, 'nothing reached the session');
  t.deepEqual((await notes.get()).ids, ['a']);
});

test('Chroma.over refuses something that is not an executor with ERR_INVALID_ARG_TYPE', async (t) => {
  for (const executor of [undefined, 5, {}, { call: () => 1 }]) {
    await t.throwsAsync(Chroma.over(executor as never), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' }, String(executor));
  }
});
