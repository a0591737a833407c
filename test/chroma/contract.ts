/**
 * The Chroma session contract: one suite, run against every Chroma session (embedded Python and remote HTTP),
 * so everything built on top runs unchanged on either.
 */
import test, { type ExecutionContext } from 'ava';
import { Chroma } from '../../lib/chroma/chroma.js';
import {
  ChromaInvalidArgumentError,
  CollectionExistsError,
  CollectionNotFoundError,
} from '../../lib/chroma/errors.js';

export type StartChroma = (t: ExecutionContext) => Promise<Chroma>;

const vec = (seed: number, dim = 8) => Array.from({ length: dim }, (_, i) => Math.sin(seed * 31 + i));

export function chromaContract(kind: string, start: StartChroma): void {
  test(`${kind}: collections: create, get-or-create, list, delete`, async (t) => {
    const chroma = await start(t);
    const created = await chroma.createCollection({ name: 'col-a', metadata: { owner: 'tests', version: 2 }, temporary: true });
    t.deepEqual(created, { name: 'col-a', metadata: { owner: 'tests', version: 2 } });
    t.is((await chroma.getOrCreateCollection({ name: 'col-a' })).name, 'col-a');
    await chroma.getOrCreateCollection({ name: 'col-b', temporary: true });
    const names = (await chroma.listCollections()).map((c) => c.name).sort();
    t.deepEqual(names, ['col-a', 'col-b']);
    await chroma.deleteCollection('col-b');
    t.deepEqual((await chroma.listCollections()).map((c) => c.name), ['col-a']);
  });

  test(`${kind}: records: add, count, get by ids and where, update merges metadata, upsert, delete, query`, async (t) => {
    const chroma = await start(t);
    await chroma.createCollection({ name: 'records', temporary: true });
    const ids = ['a', 'b', 'c', 'ü-ñ "quoted"'];
    await chroma.add('records', {
      ids,
      embeddings: ids.map((_, i) => vec(i)),
      documents: ['alpha', 'beta', 'gamma', 'ünïcödé text'],
      metadatas: ids.map((_, i) => ({ i, even: i % 2 === 0 })),
    });
    t.is(await chroma.count('records'), 4);
    const byId = await chroma.get('records', { ids: ['b', 'ü-ñ "quoted"', 'missing'] });
    t.deepEqual(byId.ids.sort(), ['b', 'ü-ñ "quoted"']);
    const evens = await chroma.get('records', { where: { even: true }, include: ['metadatas'] });
    t.deepEqual(evens.ids.sort(), ['a', 'c']);
    t.is(evens.documents, null);
    const withEmbeddings = await chroma.get('records', { ids: ['a'], include: ['embeddings'] });
    t.is(withEmbeddings.embeddings![0]!.length, 8);

    await chroma.update('records', { ids: ['a'], metadatas: [{ extra: 'yes' }] });
    const updated = await chroma.get('records', { ids: ['a'] });
    t.deepEqual(updated.metadatas![0], { i: 0, even: true, extra: 'yes' });

    await chroma.upsert('records', { ids: ['a', 'd'], documents: ['alpha two', 'delta'], embeddings: [vec(0), vec(9)] });
    t.is(await chroma.count('records'), 5);
    t.deepEqual((await chroma.get('records', { ids: ['a'] })).documents, ['alpha two']);

    const hits = await chroma.query('records', { embeddings: [vec(2)], nResults: 2 });
    t.is(hits.ids[0]![0], 'c');
    t.is(hits.distances![0]!.length, 2);

    await chroma.delete('records', { ids: ['a', 'b'] });
    await chroma.delete('records', { where: { i: 2 } });
    t.deepEqual((await chroma.get('records')).ids.sort(), ['d', 'ü-ñ "quoted"']);
    t.deepEqual([...(await chroma.existing('records', ['d', 'a', 'zzz']))], ['d']);
  });

  test(`${kind}: documents without embeddings are embedded locally; empty inputs cost no round trip`, async (t) => {
    const chroma = await start(t);
    await chroma.createCollection({ name: 'embedded-docs', temporary: true });
    await chroma.add('embedded-docs', { ids: ['x', 'y'], documents: ['red apples', 'blue ocean'] });
    const hit = await chroma.query('embedded-docs', { texts: ['blue ocean'], nResults: 1 });
    t.deepEqual(hit.ids, [['y']]);
    const before = chroma.executor.stats().ops;
    t.is(await chroma.add('embedded-docs', { ids: [] }), 0);
    t.deepEqual((await chroma.get('embedded-docs', { ids: [] })).ids, []);
    t.is((await chroma.existing('embedded-docs', [])).size, 0);
    await chroma.delete('embedded-docs', { ids: [] });
    const after = chroma.executor.stats().ops;
    t.is(after['add']!.ok, before['add']!.ok);
    t.is(after['get'], before['get']);
  });

  test(`${kind}: errors map to typed errors and the session goes on`, async (t) => {
    const chroma = await start(t);
    await chroma.createCollection({ name: 'dup-check', temporary: true });
    await t.throwsAsync(chroma.createCollection({ name: 'dup-check' }), { instanceOf: CollectionExistsError });
    await t.throwsAsync(chroma.count('no-such-collection'), { instanceOf: CollectionNotFoundError });
    await t.throwsAsync(chroma.createCollection({ name: 'x' }), { instanceOf: ChromaInvalidArgumentError });
    await t.throwsAsync(
      chroma.createCollection({ name: 'bad-meta', metadata: { nested: { no: 1 } } as never }),
      { instanceOf: ChromaInvalidArgumentError },
    );
    await chroma.add('dup-check', { ids: ['one'], embeddings: [vec(1)] });
    const dimension = await t.throwsAsync(chroma.add('dup-check', { ids: ['two'], embeddings: [[1, 2]] }), {
      instanceOf: ChromaInvalidArgumentError,
    });
    t.regex(dimension.message, /dimension/);
    t.is(dimension.code, 'ERR_CHROMA_INVALID_ARGUMENT');
    t.is(await chroma.count('dup-check'), 1);
  });

  test(`${kind}: a flood of 30 mixed reads and writes completes in order`, async (t) => {
    const chroma = await start(t);
    await chroma.createCollection({ name: 'flood', temporary: true });
    const ops: Array<Promise<unknown>> = [];
    for (let i = 0; i < 30; i++) {
      ops.push(
        i % 3 === 0
          ? chroma.upsert('flood', { ids: [`id${i}`], embeddings: [vec(i)], metadatas: [{ i }] })
          : i % 3 === 1
            ? chroma.count('flood')
            : chroma.get('flood', { ids: [`id${i - 2}`] }),
      );
    }
    const results = await Promise.all(ops);
    // Each count sees exactly the writes queued before it: FIFO through one owner.
    t.deepEqual(
      results.filter((_, i) => i % 3 === 1),
      Array.from({ length: 10 }, (_, k) => k + 1),
    );
    t.deepEqual(
      results.filter((_, i) => i % 3 === 2).map((r) => (r as { ids: string[] }).ids),
      Array.from({ length: 10 }, (_, k) => [`id${k * 3}`]),
    );
    t.true(chroma.executor.stats().highWater >= 30);
  });

  test(`${kind}: 1,000 concurrent exists() cost one existing op; inputs over the max batch size are split`, async (t) => {
    const chroma = await start(t);
    await chroma.createCollection({ name: 'many', temporary: true });
    const n = chroma.maxBatchSize + 500;
    const ids = Array.from({ length: n }, (_, i) => `doc-${i}`);
    const embeddings = ids.map((_, i) => [i % 7, 1, (i % 13) / 13]);
    t.is(await chroma.add('many', { ids, embeddings }), n);
    t.is(await chroma.count('many'), n);
    t.is((await chroma.existing('many', ids)).size, n);

    const before = chroma.executor.stats().ops['existing']!.ok;
    const probes = Array.from({ length: 1_000 }, (_, i) => (i % 4 === 0 ? `absent-${i}` : `doc-${i}`));
    const found = await Promise.all(probes.map((id) => chroma.exists('many', id)));
    t.is(found.filter(Boolean).length, 750);
    t.is(chroma.executor.stats().ops['existing']!.ok - before, 1);
  });
}
