/**
 * The Chroma session contract: one suite, run against every Chroma session (embedded Python and remote HTTP),
 * so everything built on top runs unchanged on either. It speaks the chromadb-shaped collection handles; the
 * name-first methods the synchronisation layer uses have one test of their own.
 */
import test, { type ExecutionContext } from 'ava';
import { Chroma } from '../../lib/chroma/chroma.js';
import type { EmbeddingFunction } from '../../lib/chroma/embedding.js';
import {
  ChromaEmbeddingMismatchError,
  ChromaEmbeddingUnavailableError,
  ChromaInvalidArgumentError,
  CollectionExistsError,
  CollectionNotFoundError,
} from '../../lib/chroma/errors.js';
import { hashEmbedder } from '../../lib/chroma/hash-embedder.js';
import { AbortError } from '../../lib/errors.js';
import { CHUNK_OVERLAP } from '../../lib/sync/chunking.js';
import { toChunkRecords, versionOf } from '../../lib/sync/documents.js';
import { DocumentScan } from '../../lib/sync/document-scan.js';
import { contentHash, documentHash } from '../../lib/sync/hashing.js';

/** Starts a session whose implicit default embedding function can never download a model. */
export type StartChroma = (t: ExecutionContext) => Promise<Chroma>;

const vec = (seed: number, dim = 8) => Array.from({ length: dim }, (_, i) => Math.sin(seed * 31 + i));

/**
 * A tiny "semantic" embedding function with fixed vectors: one axis per topic, so nearness is known exactly.
 * It counts its calls and can be held, to observe when it runs.
 */
function topicEmbedding(name = 'topics', dimensions = 3) {
  const topics = [/cat|kitten|purr/, /dog|puppy|bark/, /stock|market|shares/];
  const calls: string[][] = [];
  const ef: EmbeddingFunction & { calls: string[][] } = {
    name,
    calls,
    async generate(texts) {
      calls.push(texts);
      return texts.map((text) => {
        const vector = new Array<number>(dimensions).fill(0.01);
        topics.forEach((topic, axis) => {
          if (topic.test(text.toLowerCase()) && axis < dimensions) vector[axis] = 1;
        });
        return vector;
      });
    },
  };
  return ef;
}

export function chromaContract(kind: string, start: StartChroma): void {
  test(`${kind}: collections: create, get, get-or-create, list, modify, delete`, async (t) => {
    const chroma = await start(t);
    const created = await chroma.createCollection({
      name: 'col-a',
      metadata: { owner: 'tests', version: 2 },
      temporary: true,
      embeddingFunction: null,
    });
    t.is(created.name, 'col-a');
    t.deepEqual(created.metadata, { owner: 'tests', version: 2 });
    t.is((await chroma.getOrCreateCollection({ name: 'col-a', embeddingFunction: null })).name, 'col-a');
    t.deepEqual((await chroma.getCollection({ name: 'col-a', embeddingFunction: null })).metadata, { owner: 'tests', version: 2 });
    await t.throwsAsync(chroma.getCollection({ name: 'no-such-col' }), { instanceOf: CollectionNotFoundError });
    await chroma.getOrCreateCollection({ name: 'col-b', temporary: true, embeddingFunction: null });
    t.deepEqual((await chroma.listCollections()).map((c) => c.name).sort(), ['col-a', 'col-b']);

    await created.modify({ metadata: { owner: 'others' } });
    t.deepEqual(created.metadata, { owner: 'others' }, 'modify replaces the metadata, as chromadb does');
    await t.throwsAsync(created.modify({ name: 'col-b' }), { instanceOf: CollectionExistsError });
    t.is(created.name, 'col-a');
    await created.modify({ name: 'col-renamed' });
    t.is(created.name, 'col-renamed');
    t.is(await created.count(), 0);
    await t.throwsAsync(chroma.getCollection({ name: 'col-a' }), { instanceOf: CollectionNotFoundError });

    await chroma.deleteCollection({ name: 'col-b' });
    await chroma.deleteCollection('col-renamed');
    t.deepEqual(await chroma.listCollections(), []);
  });

  test(`${kind}: a collection created with a distance function keeps it through metadata merges; changing it is refused`, async (t) => {
    const chroma = await start(t);
    await chroma.createCollection({ name: 'spaced', metadata: { 'hnsw:space': 'cosine', owner: 'tests' }, temporary: true, embeddingFunction: null });
    const read = async () => (await chroma.executor.call('getCollection', { name: 'spaced' })).metadata;
    await chroma.executor.call('modifyCollection', { collection: 'spaced', metadata: { mark: 1 }, merge: true });
    t.deepEqual(await read(), { 'hnsw:space': 'cosine', owner: 'tests', mark: 1 });
    await chroma.executor.call('modifyCollection', { collection: 'spaced', metadata: { 'hnsw:space': 'cosine', owner: 'me' } });
    t.deepEqual(await read(), { 'hnsw:space': 'cosine', owner: 'me' }, 'naming the same distance function is no change');
    for (const merge of [true, false]) {
      await t.throwsAsync(chroma.executor.call('modifyCollection', { collection: 'spaced', metadata: { 'hnsw:space': 'l2' }, merge }), {
        instanceOf: ChromaInvalidArgumentError,
      });
    }
    t.deepEqual(await read(), { 'hnsw:space': 'cosine', owner: 'me' }, 'a refused change changes nothing');
  });

  test(`${kind}: records through a handle: add, count, get (ids, where, whereDocument, limit), update, upsert, peek, query, delete`, async (t) => {
    const chroma = await start(t);
    const records = await chroma.createCollection({ name: 'records', temporary: true, embeddingFunction: null });
    const ids = ['a', 'b', 'c', 'ü-ñ "quoted"'];
    await records.add({
      ids,
      embeddings: ids.map((_, i) => vec(i)),
      documents: ['alpha fox', 'beta', 'gamma fox', 'ünïcödé text'],
      metadatas: ids.map((_, i) => ({ i, even: i % 2 === 0 })),
    });
    t.is(await records.count(), 4);
    t.deepEqual((await records.get({ ids: ['b', 'ü-ñ "quoted"', 'missing'] })).ids.sort(), ['b', 'ü-ñ "quoted"']);
    t.deepEqual((await records.get({ ids: 'b' })).documents, ['beta'], 'a single id, as chromadb accepts');
    const evens = await records.get({ where: { even: true }, include: ['metadatas'] });
    t.deepEqual(evens.ids.sort(), ['a', 'c']);
    t.is(evens.documents, null);
    t.deepEqual((await records.get({ whereDocument: { $contains: 'fox' } })).ids.sort(), ['a', 'c']);
    t.deepEqual((await records.get({ where: { even: true }, whereDocument: { $contains: 'gamma' } })).ids, ['c']);
    t.is((await records.get({ limit: 2, offset: 1 })).ids.length, 2);
    const peeked = await records.peek({ limit: 1 });
    t.is(peeked.ids.length, 1);
    t.is(peeked.embeddings![0]!.length, 8);
    t.is(peeked.documents!.length, 1);

    await records.update({ ids: ['a'], metadatas: [{ extra: 'yes' }] });
    t.deepEqual((await records.get({ ids: ['a'] })).metadatas![0], { i: 0, even: true, extra: 'yes' });
    await records.upsert({ ids: ['a', 'd'], documents: ['alpha two', 'delta'], embeddings: [vec(0), vec(9)] });
    t.is(await records.count(), 5);
    t.deepEqual((await records.get({ ids: ['a'] })).documents, ['alpha two']);

    const hits = await records.query({ queryEmbeddings: [vec(2)], nResults: 2 });
    t.is(hits.ids[0]![0], 'c');
    t.is(hits.distances![0]!.length, 2);
    const filtered = await records.query({ queryEmbeddings: [vec(2)], nResults: 5, where: { even: false } });
    t.false(filtered.ids[0]!.includes('c'));
    const byText = await records.query({ queryEmbeddings: [vec(2)], nResults: 5, whereDocument: { $contains: 'fox' } });
    t.deepEqual(byText.ids, [['c']]);

    await records.delete({ ids: ['a', 'b'] });
    await records.delete({ where: { i: 2 } });
    await records.delete({ whereDocument: { $contains: 'delta' } });
    t.deepEqual((await records.get()).ids, ['ü-ñ "quoted"']);
    t.deepEqual(await Promise.all(['ü-ñ "quoted"', 'a'].map((id) => records.exists(id))), [true, false]);
  });

  test(`${kind}: get and query results say what they include, as the npm client's do`, async (t) => {
    const chroma = await start(t);
    const col = await chroma.createCollection({ name: 'included', temporary: true, embeddingFunction: null });
    await col.add({ ids: ['a', 'b'], embeddings: [vec(0), vec(1)], documents: ['alpha', 'beta'] });
    t.deepEqual((await col.get()).include, ['documents', 'metadatas'], 'the default');
    const onlyEmbeddings = await col.get({ include: ['embeddings'] });
    t.deepEqual(onlyEmbeddings.include, ['embeddings']);
    t.is(onlyEmbeddings.documents, null);
    t.is(onlyEmbeddings.embeddings!.length, 2);
    t.deepEqual((await col.get({ ids: ['a'], include: [] })).include, []);
    const none = await col.get({ ids: [], include: ['metadatas'] });
    t.deepEqual(none, { ids: [], embeddings: null, documents: null, metadatas: [], include: ['metadatas'] }, 'no ids: no round trip, same shape');
    t.deepEqual((await col.peek()).include, ['embeddings', 'documents', 'metadatas']);
    t.deepEqual((await col.query({ queryEmbeddings: [vec(0)], nResults: 1 })).include, ['documents', 'metadatas', 'distances']);
    const distancesOnly = await col.query({ queryEmbeddings: [vec(0)], nResults: 1, include: ['distances'] });
    t.deepEqual(distancesOnly.include, ['distances']);
    t.is(distancesOnly.documents, null);
    t.is(distancesOnly.distances![0]!.length, 1);
  });

  test(`${kind}: query({ ids }) searches only among those records; unknown ids are ignored`, async (t) => {
    const chroma = await start(t);
    const col = await chroma.createCollection({ name: 'query-ids', temporary: true, embeddingFunction: null });
    const ids = ['a', 'b', 'c', 'd'];
    await col.add({ ids, embeddings: ids.map((_, i) => vec(i)), metadatas: ids.map((_, i) => ({ i })) });
    const nearestToA = await col.query({ queryEmbeddings: [vec(0)], nResults: 1 });
    t.deepEqual(nearestToA.ids, [['a']], 'unfiltered, a is nearest to itself');
    const amongCD = await col.query({ queryEmbeddings: [vec(0), vec(3)], ids: ['c', 'd'], nResults: 10 });
    t.deepEqual(amongCD.ids.map((row) => [...row].sort()), [['c', 'd'], ['c', 'd']], 'only the given ids, for every query');
    t.is(amongCD.ids[1]![0], 'd');
    t.deepEqual((await col.query({ queryEmbeddings: [vec(0)], ids: 'b', nResults: 3 })).ids, [['b']], 'a single id, as chromadb accepts');
    const withUnknown = await col.query({ queryEmbeddings: [vec(0)], ids: ['b', 'missing'], nResults: 3 });
    t.deepEqual(withUnknown.ids, [['b']]);
    t.deepEqual((await col.query({ queryEmbeddings: [vec(0)], ids: ['b', 'c'], where: { i: 2 } })).ids, [['c']], 'ids and where together');
    const nothing = await col.query({ queryEmbeddings: [vec(0), vec(1)], ids: ['missing'], include: ['distances'] });
    t.deepEqual(nothing, { ids: [[], []], documents: null, metadatas: null, distances: [[], []], embeddings: null, include: ['distances'] });
    t.deepEqual((await col.query({ queryEmbeddings: [vec(0)], ids: [] })).ids, [[]], 'no ids: nothing matches (not everything)');
    await t.throwsAsync(col.query({ queryEmbeddings: [vec(0)], ids: [42 as never] }), { instanceOf: ChromaInvalidArgumentError });
  });

  test(`${kind}: query({ ids }) with query texts, through the collection's embedding function`, async (t) => {
    const chroma = await start(t);
    const pets = await chroma.createCollection({ name: 'query-ids-texts', temporary: true, embeddingFunction: topicEmbedding() });
    await pets.add({ ids: ['cat', 'dog', 'stocks'], documents: ['a cat purrs', 'a dog barks', 'stock market news'] });
    const nearest = await pets.query({ queryTexts: ['kitten', 'market'], ids: ['cat', 'stocks'], nResults: 1 });
    t.deepEqual(nearest.ids, [['cat'], ['stocks']], 'the nearest of the given ids, per query');
    const withoutCat = await pets.query({ queryTexts: ['kitten'], ids: ['dog', 'stocks'], nResults: 3 });
    t.deepEqual([...withoutCat.ids[0]!].sort(), ['dog', 'stocks'], 'the nearest record overall is left out');
  });

  test(`${kind}: a caller-side embedding function gives semantic search; it runs on the caller's side and is recorded`, async (t) => {
    const chroma = await start(t);
    const topics = topicEmbedding();
    const pets = await chroma.createCollection({ name: 'pets', temporary: true, embeddingFunction: topics });
    await pets.add({ ids: ['dog', 'cat', 'stocks'], documents: ['dogs bark', 'cats purr', 'stock markets fell'] });
    const hit = await pets.query({ queryTexts: ['kitten'], nResults: 3 });
    t.deepEqual(hit.ids[0], ['cat', hit.ids[0]![1], hit.ids[0]![2]]);
    t.is(hit.ids[0]![0], 'cat', 'the cat sentence ranks first for "kitten"');
    t.deepEqual(topics.calls, [['dogs bark', 'cats purr', 'stock markets fell'], ['kitten']]);
    t.like(pets.metadata, { embedding_function: 'topics', embedding_dimension: 3 });
    const reopened = await chroma.getCollection({ name: 'pets', embeddingFunction: topics });
    t.like(reopened.metadata, { embedding_function: 'topics', embedding_dimension: 3 }, 'stored in the collection');
    await reopened.update({ ids: ['stocks'], documents: ['puppy pictures'] }); // re-embedded: now about dogs
    t.deepEqual((await reopened.query({ queryTexts: ['dog'], nResults: 2 })).ids[0]!.sort(), ['dog', 'stocks']);
  });

  test(`${kind}: the hash embedder by name works offline, is recorded, and is not semantic`, async (t) => {
    const chroma = await start(t);
    t.false(hashEmbedder().semantic);
    const notes = await chroma.getOrCreateCollection({ name: 'notes', temporary: true, embeddingFunction: 'hash' });
    await notes.add({ ids: ['x', 'y'], documents: ['red apples', 'blue ocean'] });
    t.deepEqual((await notes.query({ queryTexts: ['blue ocean'], nResults: 1 })).ids, [['y']]);
    t.like(notes.metadata, { embedding_function: 'hash', embedding_dimension: 64 });
    // The same function given as an object is the same function.
    t.is((await chroma.getCollection({ name: 'notes', embeddingFunction: hashEmbedder() })).name, 'notes');
  });

  test(`${kind}: another embedding function than the recorded one is a typed error naming both; nothing is written`, async (t) => {
    const chroma = await start(t);
    const pets = await chroma.createCollection({ name: 'mismatch', temporary: true, embeddingFunction: topicEmbedding() });
    await pets.add({ ids: ['cat'], documents: ['cats purr'] });
    const byName = await t.throwsAsync(chroma.getCollection({ name: 'mismatch', embeddingFunction: 'hash' }), {
      instanceOf: ChromaEmbeddingMismatchError,
    });
    t.regex(byName.message, /"topics".*"hash"/);
    t.is(byName.code, 'ERR_CHROMA_EMBEDDING_MISMATCH');
    // Same name, other dimension: found when it first embeds.
    const wider = await chroma.getCollection({ name: 'mismatch', embeddingFunction: topicEmbedding('topics', 5) });
    const byDimension = await t.throwsAsync(wider.add({ ids: ['dog'], documents: ['dogs bark'] }), {
      instanceOf: ChromaEmbeddingMismatchError,
    });
    t.regex(byDimension.message, /3 dimensions.*5 dimensions/);
    t.like(byDimension.details, { collectionDimension: 3, givenDimension: 5 });
    t.is(await pets.count(), 1);

    // Two handles opened before anything was embedded: the second sees what the first recorded.
    const early = await chroma.createCollection({ name: 'mismatch-early', temporary: true, embeddingFunction: topicEmbedding() });
    const late = await chroma.getCollection({ name: 'mismatch-early', embeddingFunction: topicEmbedding('topics', 5) });
    await early.add({ ids: ['cat'], documents: ['cats purr'] });
    await t.throwsAsync(late.add({ ids: ['dog'], documents: ['dogs bark'] }), { instanceOf: ChromaEmbeddingMismatchError });
    t.like((await chroma.getCollection({ name: 'mismatch-early', embeddingFunction: null })).metadata, { embedding_dimension: 3 });
  });

  test(`${kind}: no embedding function: chromadb's default, a typed error saying what to pass when its model cannot load`, async (t) => {
    const chroma = await start(t);
    const plain = await chroma.getOrCreateCollection({ name: 'default-ef', temporary: true });
    t.is(plain.embeddingFunction?.name, 'default');
    await plain.add({ ids: ['given'], embeddings: [vec(1, 384)] }); // explicit embeddings need no model
    const error = await t.throwsAsync(plain.add({ ids: ['doc'], documents: ['needs the model'] }), {
      instanceOf: ChromaEmbeddingUnavailableError,
    });
    t.is(error.code, 'ERR_CHROMA_EMBEDDING_UNAVAILABLE');
    t.regex(error.message, /default embedding function/);
    t.regex(error.message, /embeddingFunction/);
    t.regex(error.message, /"hash"/);
    await t.throwsAsync(plain.query({ queryTexts: ['anything'] }), { instanceOf: ChromaEmbeddingUnavailableError });
    t.is(await plain.count(), 1);
    const none = await chroma.createCollection({ name: 'no-ef', temporary: true, embeddingFunction: null });
    await t.throwsAsync(none.add({ ids: ['a'], documents: ['no way to embed'] }), { instanceOf: ChromaInvalidArgumentError });
    t.is(await none.count(), 0);
  });

  test(`${kind}: a failing embedding function is a typed error; nothing is written and later operations run`, async (t) => {
    const chroma = await start(t);
    const broken: EmbeddingFunction = {
      name: 'broken',
      generate: async () => {
        throw new Error('model server unreachable');
      },
    };
    const col = await chroma.createCollection({ name: 'broken-ef', temporary: true, embeddingFunction: broken });
    const failed = col.add({ ids: ['a'], documents: ['text'] });
    const counted = col.count();
    const error = await t.throwsAsync(failed, { instanceOf: ChromaEmbeddingUnavailableError });
    t.regex(error.message, /"broken" failed: model server unreachable/);
    t.is(await counted, 0);
    const short: EmbeddingFunction = { name: 'short', generate: async () => [[1, 2, 3]] };
    const other = await chroma.createCollection({ name: 'short-ef', temporary: true, embeddingFunction: short });
    await t.throwsAsync(other.add({ ids: ['a', 'b'], documents: ['one', 'two'] }), { instanceOf: ChromaInvalidArgumentError });
    t.is(await other.count(), 0);
  });

  test(`${kind}: operations keep call order while a caller-side embedding function computes (pipelined)`, async (t) => {
    const chroma = await start(t);
    const ef = topicEmbedding();
    let first: Promise<void> | undefined;
    let firstSettled = false;
    let overlapped = false;
    const slow: EmbeddingFunction = {
      name: 'topics',
      async generate(texts) {
        // Runs while the previous write may still be in the owner: nothing waits for it to finish.
        overlapped ||= first !== undefined && !firstSettled;
        return ef.generate(texts);
      },
    };
    const col = await chroma.createCollection({ name: 'ordered', temporary: true, embeddingFunction: slow });
    first = col.add({ ids: ['1'], documents: ['cats'] }).then(() => {
      firstSettled = true;
    });
    const second = col.add({ ids: ['2'], documents: ['dogs'] });
    const counted = col.count(); // called after both adds: must see both
    const third = col.upsert({ ids: ['3'], documents: ['stocks'] });
    const countedAgain = col.count();
    await Promise.all([first, second, third]);
    t.is(await counted, 2);
    t.is(await countedAgain, 3);
    t.true(overlapped, "the second write's embeddings were computed before the first write had finished");
  });

  test(`${kind}: errors map to typed errors and the session goes on`, async (t) => {
    const chroma = await start(t);
    const col = await chroma.createCollection({ name: 'dup-check', temporary: true, embeddingFunction: null });
    await t.throwsAsync(chroma.createCollection({ name: 'dup-check' }), { instanceOf: CollectionExistsError });
    await t.throwsAsync(chroma.count('no-such-collection'), { instanceOf: CollectionNotFoundError });
    await t.throwsAsync(chroma.createCollection({ name: 'x' }), { instanceOf: ChromaInvalidArgumentError });
    await t.throwsAsync(chroma.createCollection({ name: 'bad-meta', metadata: { nested: { no: 1 } } as never }), {
      instanceOf: ChromaInvalidArgumentError,
    });
    await t.throwsAsync(col.get({ where: { $bad: 1 } }), { instanceOf: ChromaInvalidArgumentError });
    await t.throwsAsync(col.query({}), { instanceOf: ChromaInvalidArgumentError });
    await col.add({ ids: ['one'], embeddings: [vec(1)] });
    const dimension = await t.throwsAsync(col.add({ ids: ['two'], embeddings: [[1, 2]] }), {
      instanceOf: ChromaInvalidArgumentError,
    });
    t.regex(dimension.message, /dimension/);
    t.is(dimension.code, 'ERR_CHROMA_INVALID_ARGUMENT');
    t.is(await col.count(), 1);
  });

  test(`${kind}: methods take an AbortSignal; an aborted write writes nothing`, async (t) => {
    const chroma = await start(t);
    const col = await chroma.createCollection({ name: 'aborts', temporary: true, embeddingFunction: topicEmbedding() });
    const aborted = AbortSignal.abort(new Error('caller gave up'));
    await t.throwsAsync(col.add({ ids: ['a'], documents: ['cats'] }, { signal: aborted }), { instanceOf: AbortError });
    await t.throwsAsync(col.add({ ids: ['b'], embeddings: [[1, 0, 0]] }, { signal: aborted }), { instanceOf: AbortError });
    await t.throwsAsync(col.count({ signal: aborted }), { instanceOf: AbortError });
    // Aborted while its embeddings are being computed: it never reaches the owner.
    const controller = new AbortController();
    const pending = col.add({ ids: ['c'], documents: ['dogs'] }, { signal: controller.signal });
    controller.abort();
    await t.throwsAsync(pending, { instanceOf: AbortError });
    t.is(await col.count(), 0);
  });

  test(`${kind}: a flood of 30 mixed reads and writes completes in order`, async (t) => {
    const chroma = await start(t);
    const flood = await chroma.createCollection({ name: 'flood', temporary: true, embeddingFunction: null });
    const ops: Array<Promise<unknown>> = [];
    for (let i = 0; i < 30; i++) {
      ops.push(
        i % 3 === 0
          ? flood.upsert({ ids: [`id${i}`], embeddings: [vec(i)], metadatas: [{ i }] })
          : i % 3 === 1
            ? flood.count()
            : flood.get({ ids: [`id${i - 2}`] }),
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

  test(`${kind}: 1,000 concurrent exists() on a handle cost one existing op; inputs over the max batch size are split`, async (t) => {
    const chroma = await start(t);
    const many = await chroma.createCollection({ name: 'many', temporary: true, embeddingFunction: null });
    const n = chroma.maxBatchSize + 500;
    const ids = Array.from({ length: n }, (_, i) => `doc-${i}`);
    await many.add({ ids, embeddings: ids.map((_, i) => [i % 7, 1, (i % 13) / 13]) });
    t.is(await many.count(), n);
    t.is((await many.get({ ids, include: [] })).ids.length, n);

    const before = chroma.executor.stats().ops['existing']?.ok ?? 0;
    const probes = Array.from({ length: 1_000 }, (_, i) => (i % 4 === 0 ? `absent-${i}` : `doc-${i}`));
    const found = await Promise.all(probes.map((id) => many.exists(id)));
    t.is(found.filter(Boolean).length, 750);
    t.is(chroma.executor.stats().ops['existing']!.ok - before, 1);
  });

  test(`${kind}: the name-first methods (used by the sync layer) still work; empty inputs cost no round trip`, async (t) => {
    const chroma = await start(t);
    await chroma.createCollection({ name: 'by-name', temporary: true });
    t.is(await chroma.add('by-name', { ids: ['x', 'y'], documents: ['red apples', 'blue ocean'] }), 2);
    t.deepEqual((await chroma.query('by-name', { texts: ['blue ocean'], nResults: 1 })).ids, [['y']]);
    t.deepEqual((await chroma.query('by-name', { texts: ['blue ocean'], ids: ['x', 'missing'], nResults: 1 })).ids, [['x']], 'the ids filter too');
    await chroma.update('by-name', { ids: ['x'], metadatas: [{ k: 1 }] });
    t.deepEqual((await chroma.get('by-name', { ids: ['x'] })).metadatas, [{ k: 1 }]);
    t.deepEqual([...(await chroma.existing('by-name', ['x', 'zz']))], ['x']);
    t.true(await chroma.exists('by-name', 'y'));
    const before = chroma.executor.stats().ops;
    t.is(await chroma.add('by-name', { ids: [] }), 0);
    t.deepEqual((await chroma.get('by-name', { ids: [] })).ids, []);
    t.is((await chroma.existing('by-name', [])).size, 0);
    await chroma.delete('by-name', { ids: [] });
    const handle = await chroma.getCollection({ name: 'by-name', embeddingFunction: 'hash' });
    await handle.add({ ids: [] });
    await handle.delete({ ids: [] });
    const after = chroma.executor.stats().ops;
    for (const op of ['add', 'get', 'delete', 'existing']) t.is(after[op]?.ok, before[op]?.ok, op);
    await chroma.delete('by-name', { ids: ['x'] });
    t.is(await chroma.count('by-name'), 1);
  });

  test(`${kind}: vectors land as Chroma keeps them (32-bit floats), given or embedded, on every write path; a ragged write is refused whole`, async (t) => {
    const chroma = await start(t);
    const f32 = (rows: number[][] | null | undefined) => rows?.map((row) => row.map(Math.fround));
    const stored = async (name: string, ids: string[]) => {
      const got = await chroma.get(name, { ids, include: ['embeddings'] });
      const byId = new Map(got.ids.map((id, i) => [id, got.embeddings![i]!]));
      return f32(ids.map((id) => byId.get(id)!));
    };
    const given = [
      [0.1, 1 / 3, -2.5e-8, 12_345.678],
      [Math.PI, -Math.E, 0, 1e-40],
    ];
    const handle = await chroma.createCollection({ name: 'vectors', temporary: true, embeddingFunction: null });
    await handle.add({ ids: ['a', 'b'], embeddings: given, documents: ['x', 'y'] });
    t.deepEqual(await stored('vectors', ['a', 'b']), f32(given), 'a handle add');
    await chroma.upsert('vectors', { ids: ['b'], embeddings: [[4, 3, 2, 1]] });
    await handle.update({ ids: ['a'], embeddings: [[1, 2, 3, 4]] });
    t.deepEqual(await stored('vectors', ['a', 'b']), [[1, 2, 3, 4], [4, 3, 2, 1]], 'name-first upsert, handle update');
    await t.throwsAsync(handle.add({ ids: ['r1', 'r2'], embeddings: [[1, 2, 3, 4], [1, 2, 3]] }));
    t.is(await handle.count(), 2, 'nothing of a ragged write landed');

    const text = 'Überprüfung of 𝒜 things, naïve café';
    const hashed = await chroma.createCollection({ name: 'vectors-hash', temporary: true, embeddingFunction: 'hash' });
    await hashed.add({ ids: ['h'], documents: [text] });
    await chroma.add('vectors-hash', { ids: ['n'], documents: [text] }); // the name-first path the sync layer takes
    const expected = f32(await hashEmbedder().generate([text]))![0]!;
    t.deepEqual(await stored('vectors-hash', ['h', 'n']), [expected, expected], 'the hash embedder, packed, through both paths');
  });

  test(`${kind}: summarizePage hashes each document's joined text and metadata where the data is, byte for byte as Node does`, async (t) => {
    const chroma = await start(t);
    await chroma.createCollection({ name: 'summaries', temporary: true, embeddingFunction: null });
    const docs = [
      { docId: 'one', content: 'a short one', metadata: { title: 'Ünï 😀', n: 3 } },
      { docId: 'ascii', content: Array.from({ length: 120 }, (_, i) => `line ${i}.`).join(' ') },
      // Astral characters everywhere, so an overlap cut in UTF-16 units would split pairs.
      { docId: 'astral', content: '😀a𝄞'.repeat(400) },
      // 513 code points: the second chunk is the 50-code-point overlap plus one character.
      { docId: 'tail', content: `${'é'.repeat(512)}🎉` },
      // Exactly one chunk step past a chunk: 512 + 462 code points.
      { docId: 'exact', content: `${'x'.repeat(511)}😀${'y'.repeat(462)}` },
      { docId: 'empty', content: '' },
    ];
    const records = toChunkRecords(docs, 7);
    await chroma.add('summaries', { ids: records.ids, documents: records.documents, metadatas: records.metadatas, embeddings: records.ids.map(() => [0.1, 0.2]) });
    await chroma.add('summaries', { ids: ['stranger'], documents: ['written by another tool'], embeddings: [[0.3, 0.4]] });
    const whole = await chroma.summarizePage('summaries', { offset: 0, limit: 1_000, overlap: CHUNK_OVERLAP });
    t.is(whole.records, records.ids.length + 1);
    t.false(whole.more);
    t.deepEqual(whole.partial, []);
    const byDoc = new Map(whole.versions.map((v) => [v.docId, v]));
    for (const doc of docs) {
      const version = byDoc.get(doc.docId)!;
      // The version hash: the text's alone without metadata, the text's and the metadata's with it.
      t.is(version.hash, documentHash(doc.content, doc.metadata), doc.docId);
      t.is(version.recordedHash, documentHash(doc.content, doc.metadata));
      t.is(version.key, 'w:7');
      t.true(version.flagged);
      t.is(version.chunks, records.spans.find((span) => span.docId === doc.docId)!.count);
      t.is(version.bytes, Buffer.byteLength(doc.content));
    }
    t.true(records.spans.find((span) => span.docId === 'astral')!.count > 2, 'several chunks');
    t.like(byDoc.get('stranger'), { key: 'foreign:stranger', writeId: -1, chunks: 1, recordedHash: null, hash: contentHash('written by another tool') });

    // Write ids of every shape another writer may leave (fractional, past 2^32, up to 2^53): each summary's
    // version key is the one Node makes of the record itself, however the session sends it.
    const odd = [
      { docId: 'frac', content: 'a fractional write id', writeId: 1.5 },
      { docId: 'wide', content: 'a write id past 32 bits', writeId: 2 ** 40 + 3 },
      { docId: 'edge', content: 'the largest safe write id', writeId: Number.MAX_SAFE_INTEGER },
    ];
    for (const { writeId, ...doc } of odd) {
      const r = toChunkRecords([doc], writeId);
      await chroma.add('summaries', { ids: r.ids, documents: r.documents, metadatas: r.metadatas, embeddings: r.ids.map(() => [0.1, 0.2]) });
    }
    const oddIds = odd.map((doc) => toChunkRecords([doc], 1).ids[0]!);
    const stored = await chroma.get('summaries', { ids: oddIds, include: ['metadatas'] });
    const withOdd = await chroma.summarizePage('summaries', { offset: 0, limit: 1_000, overlap: CHUNK_OVERLAP });
    for (const [i, id] of stored.ids.entries()) {
      const expected = versionOf(id, stored.metadatas![i]!);
      t.like(withOdd.versions.find((v) => v.docId === expected.docId), { key: expected.key, writeId: expected.writeId, hash: documentHash(odd.find((doc) => doc.docId === expected.docId)!.content, undefined) }, id);
    }
    t.is(withOdd.versions.length, docs.length + 1 + odd.length);
    await chroma.delete('summaries', { ids: oddIds });

    // Small pages: versions cut by a page boundary come back as records; assembled, they hash the same.
    const scan = new DocumentScan(true, CHUNK_OVERLAP);
    let pages = 0;
    for (let offset = 0, more = true; more; offset += 3, pages++) {
      const page = await chroma.summarizePage('summaries', { offset, limit: 3, overlap: CHUNK_OVERLAP });
      t.true(page.records <= 3);
      scan.addPage(page);
      more = page.more;
    }
    t.is(pages, Math.ceil((records.ids.length + 1) / 3));
    for (const [docId, seen] of scan.entries()) {
      t.false(DocumentScan.unsettled(seen), docId);
      t.is(seen.best!.hash, byDoc.get(docId)!.hash ?? null, docId);
    }
    t.is(scan.size, docs.length + 1);

    // Metadata only, and a filter.
    const flagged = await chroma.summarizePage('summaries', { offset: 0, limit: 1_000, where: { is_local_change: true }, withHashes: false, overlap: CHUNK_OVERLAP });
    t.is(flagged.versions.length, docs.length);
    t.true(flagged.versions.every((v) => v.hash === undefined && v.bytes === undefined));

    // Chunks of one document that disagree on its metadata (another tool edited one): no hash, on either session.
    const astral = records.ids.filter((id, i) => records.metadatas[i]!['source_id'] === 'astral');
    await chroma.update('summaries', { ids: [astral[1]!], metadatas: [{ title: 'edited on one chunk' }] });
    const split = await chroma.summarizePage('summaries', { offset: 0, limit: 1_000, overlap: CHUNK_OVERLAP });
    t.is(split.versions.find((v) => v.docId === 'astral')!.hash, null);
    t.is(split.versions.find((v) => v.docId === 'one')!.hash, byDoc.get('one')!.hash, 'the others unchanged');

    // A page reflects every write made before it was asked for, even when the session read it ahead: a record
    // updated, one deleted and one added between two pages of a scan are seen by the next page as they are now.
    const ids = (page: { versions: Array<{ docId: string }> }) => page.versions.map((v) => v.docId);
    await chroma.add('summaries', { ids: ['p0', 'p1', 'p2', 'p3'], documents: ['a', 'b', 'c', 'd'], embeddings: Array.from({ length: 4 }, () => [0.5, 0.5]) });
    const after = records.ids.length + 1;
    const first = await chroma.summarizePage('summaries', { offset: after, limit: 2, overlap: CHUNK_OVERLAP });
    t.deepEqual(ids(first), ['p0', 'p1']);
    await chroma.update('summaries', { ids: ['p2'], documents: ['changed'], embeddings: [[0.5, 0.5]] });
    t.is(await chroma.count('summaries'), after + 4, 'a read between pages');
    const second = await chroma.summarizePage('summaries', { offset: after + 2, limit: 2, overlap: CHUNK_OVERLAP });
    t.deepEqual(ids(second), ['p2', 'p3']);
    t.is(second.versions[0]!.hash, contentHash('changed'));
    t.false(second.more);
    await chroma.delete('summaries', { ids: ['p0'] });
    const shifted = await chroma.summarizePage('summaries', { offset: after, limit: 2, overlap: CHUNK_OVERLAP });
    t.deepEqual(ids(shifted), ['p1', 'p2'], 'the delete shifted the page');
    await chroma.add('summaries', { ids: ['p4'], documents: ['e'], embeddings: [[0.5, 0.5]] });
    const last = await chroma.summarizePage('summaries', { offset: after + 2, limit: 2, overlap: CHUNK_OVERLAP });
    t.deepEqual(ids(last), ['p3', 'p4']);
  });

  test(`${kind}: summarizePage with withTexts { floor } carries the texts of the versions that may be unstaged, and only theirs`, async (t) => {
    const chroma = await start(t);
    await chroma.createCollection({ name: 'texts-of', temporary: true, embeddingFunction: null });
    const long = (tag: string) => Array.from({ length: 90 }, (_, i) => `${tag} sentence ${i}.`).join(' ');
    const write = async (docs: Array<{ docId: string; content: string; metadata?: Record<string, string> }>, writeId: number, localChange: boolean) => {
      const r = toChunkRecords(docs, writeId, localChange);
      await chroma.add('texts-of', { ids: r.ids, documents: r.documents, metadatas: r.metadatas, embeddings: r.ids.map(() => [0.1, 0.2]) });
      return r;
    };
    // Floor 10: write 5 was staged, write 20 was not.
    await write([{ docId: 'staged', content: 'staged before', metadata: { kind: 'a' } }], 5, true);
    await write([{ docId: 'unstaged', content: long('unstaged'), metadata: { kind: 'b' } }], 20, true);
    await write([{ docId: 'refreshed', content: 'written as committed' }], 20, false);
    const edited = await write([{ docId: 'edited', content: 'edited later, without the library' }], 5, true);
    const late = await write([{ docId: 'late', content: long('late') }], 5, true);
    await chroma.add('texts-of', { ids: ['stranger'], documents: ['written by another tool'], embeddings: [[0.3, 0.4]] });
    await chroma.update('texts-of', { ids: [edited.ids[0]!], documents: ['changed in Chroma'], embeddings: [[0.1, 0.2]] });
    t.true(late.ids.length > 1, 'several chunks');
    // One chunk of a staged write was stamped late by a stage that started while it ran.
    await chroma.update('texts-of', { ids: [late.ids[1]!], metadatas: [{ late_write: 12 }] });

    const withTexts = async (spec: boolean | { floor: number | null }) => {
      const page = await chroma.summarizePage('texts-of', { offset: 0, limit: 1_000, overlap: CHUNK_OVERLAP, withTexts: spec });
      t.deepEqual(page.partial, []);
      return new Map(page.versions.filter((v) => v.text !== undefined).map((v) => [v.docId, v]));
    };
    const underFloor = await withTexts({ floor: 10 });
    t.deepEqual([...underFloor.keys()].sort(), ['edited', 'late', 'stranger', 'unstaged']);
    t.is(underFloor.get('unstaged')!.text, long('unstaged'));
    t.is(underFloor.get('unstaged')!.meta!['kind'], 'b');
    t.is(underFloor.get('edited')!.text, 'changed in Chroma');
    t.is(underFloor.get('late')!.text, long('late'));
    // No floor yet: every flagged version may be unstaged.
    t.deepEqual([...(await withTexts({ floor: null })).keys()].sort(), ['edited', 'late', 'staged', 'stranger', 'unstaged']);
    t.deepEqual([...(await withTexts(true)).keys()].sort(), ['edited', 'late', 'refreshed', 'staged', 'stranger', 'unstaged']);
    t.is((await withTexts(false)).size, 0);
    // A floor that is not a number is refused on both sessions, never taken as "no floor".
    for (const bad of [{ floor: 'x' }, { floor: Number.NaN }, { floor: true }, {}, 'yes', 1]) {
      await t.throwsAsync(
        chroma.summarizePage('texts-of', { offset: 0, limit: 10, overlap: CHUNK_OVERLAP, withTexts: bad as never }),
        { code: 'ERR_CHROMA_INVALID_ARGUMENT' },
        JSON.stringify(bad),
      );
    }
  });
}
