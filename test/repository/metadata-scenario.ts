/**
 * Metadata is part of a document's version in the versioning loop: committed alone, and restored by checkout,
 * reset and merge when the text is equal. Run with each Chroma session, so the version hash computed where the
 * data is (the Python host, or Node over a remote server) is checked against the one recorded at write time for
 * a table of values Chroma keeps.
 */
import test, { type ExecutionContext } from 'ava';
import type { Chroma } from '../../lib/chroma/chroma.js';
import type { Metadata } from '../../lib/chroma/types.js';
import { ownMetadata } from '../../lib/sync/documents.js';
import { canonicalMetadata, contentHash } from '../../lib/sync/hashing.js';
import { CHUNK_OVERLAP } from '../../lib/sync/chunking.js';
import { openRepository, type OpenChroma } from './scenario.js';

/** Values Chroma keeps: strings (astral, BMP above surrogates, empty), ints, floats (1e21, denormal, tiny), booleans. */
export const METADATA_TABLE: Metadata = {
  s: 'plain',
  astral: '😀 𝄞 漢字 é',
  high: '\uFFFD\uE000',
  empty: '',
  int: 42,
  negative: -7,
  zero: 0,
  negativeZero: -0,
  half: 1.5,
  big: 1e21,
  denormal: 5e-324,
  small: 1e-7,
  tiny: 1.2345e-10,
  third: 1 / 3,
  exact: 2 ** 53,
  yes: true,
  no: false,
  // Keys ordered by code point differ from UTF-16 order here.
  '\uE000key': 1,
  '😀key': 2,
};

const long = (seed: string) => Array.from({ length: 60 }, (_, i) => `${seed} line ${i}.`).join(' ');

/** A document's own metadata as Chroma holds it on each of its chunks (canonical form, so -0 reads as 0). */
async function metadataInChroma(chroma: Chroma, collection: string, docId: string): Promise<string[]> {
  const page = await chroma.get(collection, { where: { source_id: docId }, include: ['metadatas'] });
  return page.metadatas!.map((meta) => canonicalMetadata(ownMetadata(meta!)));
}

export function repositoryMetadataScenarios(kind: string, openChroma: OpenChroma): void {
  test(`${kind}: metadata is versioned: hashes agree for every kind of value; commit, checkout, reset and merge restore metadata of equal texts`, async (t: ExecutionContext) => {
    const { chroma, repo } = await openRepository(t, openChroma);
    await chroma.createCollection({ name: 'meta' });
    await repo.sync.writeDocuments('meta', [
      { docId: 'short', content: 'short text', metadata: METADATA_TABLE },
      { docId: 'long', content: long('long'), metadata: METADATA_TABLE },
    ]);
    // The hash the session computes from what Chroma holds equals the one Node recorded when writing.
    const summary = await chroma.summarizePage('meta', { offset: 0, limit: 1000, withHashes: true, overlap: CHUNK_OVERLAP });
    t.is(summary.versions.length, 2);
    for (const version of summary.versions) t.is(version.hash, version.recordedHash, `${version.docId}: the session's hash agrees`);
    const c1 = (await repo.commit('table'))!;
    for (const verify of ['content', 'flags'] as const) t.true((await repo.status({ verify })).clean, `clean at ${verify}`);
    const want = (metadata: Metadata) => canonicalMetadata(metadata);

    // A change of metadata alone is a change, and a commit.
    await repo.sync.writeDocuments('meta', [{ docId: 'short', content: 'short text', metadata: { ...METADATA_TABLE, int: 43 } }]);
    const status = await repo.status();
    t.deepEqual(status.collections.map((c) => [c.name, c.modified]), [['meta', ['short']]]);
    const c2 = (await repo.commit('int 43'))!;
    t.truthy(c2);
    t.deepEqual((await repo.show(c2)).changes.map((c) => c.docId), ['short']);

    // Checkout of the earlier commit restores its metadata; back again restores the newer.
    await repo.checkout(c1);
    t.deepEqual(await metadataInChroma(chroma, 'meta', 'short'), [want(METADATA_TABLE)]);
    t.true((await repo.status()).clean);
    await repo.checkout('main');
    t.deepEqual(await metadataInChroma(chroma, 'meta', 'short'), [want({ ...METADATA_TABLE, int: 43 })]);

    // Reset discards a metadata-only change made through the library (keys removed) and one made in Chroma directly.
    await repo.sync.writeDocuments('meta', [{ docId: 'short', content: 'short text', metadata: { only: 'this' } }]);
    const longIds = (await chroma.get('meta', { where: { source_id: 'long' }, include: [] })).ids;
    await chroma.update('meta', { ids: longIds, metadatas: longIds.map(() => ({ s: 'edited behind the library' })) });
    t.deepEqual((await repo.status()).collections[0]!.modified.sort(), ['long', 'short']);
    await repo.reset();
    t.deepEqual(await metadataInChroma(chroma, 'meta', 'short'), [want({ ...METADATA_TABLE, int: 43 })]);
    const longMeta = await metadataInChroma(chroma, 'meta', 'long');
    t.true(longMeta.length > 1);
    t.deepEqual(longMeta, longMeta.map(() => want(METADATA_TABLE)));
    t.true((await repo.status()).clean);

    // A merge of a metadata-only change brings it over.
    await repo.checkout('feature', { create: true });
    await repo.sync.writeDocuments('meta', [{ docId: 'long', content: long('long'), metadata: { ...METADATA_TABLE, s: 'feature' } }]);
    await repo.commit('feature metadata');
    await repo.checkout('main');
    t.deepEqual(new Set(await metadataInChroma(chroma, 'meta', 'long')), new Set([want(METADATA_TABLE)]));
    const merged = await repo.merge('feature');
    t.is(merged.status, 'fast-forward');
    t.deepEqual(new Set(await metadataInChroma(chroma, 'meta', 'long')), new Set([want({ ...METADATA_TABLE, s: 'feature' })]));
    for (const verify of ['content', 'flags'] as const) t.true((await repo.status({ verify })).clean, `clean at ${verify} after the merge`);
  });

  test(`${kind}: a commit made before metadata counted (text-only hashes) reads clean, and checks out clean after newer commits`, async (t: ExecutionContext) => {
    const { chroma, store, repo } = await openRepository(t, openChroma);
    await chroma.createCollection({ name: 'old' });
    const docs = [
      { docId: 'tagged', content: 'tagged text', metadata: { lang: 'en' } as Metadata },
      { docId: 'plain', content: 'plain text' },
      { docId: 'long', content: long('old'), metadata: { n: 1 } as Metadata },
    ];
    // As an earlier version left them: chunks and store rows carrying the hash of the text alone.
    await repo.sync.writeDocuments('old', docs, { localChange: false });
    const all = await chroma.get('old', { include: ['metadatas'] });
    const textOf = new Map(docs.map((d) => [d.docId, d.content]));
    await chroma.update('old', { ids: all.ids, metadatas: all.metadatas!.map((m) => ({ content_hash: contentHash(textOf.get(String(m!['source_id']))!) })) });
    const c0 = (await store.commitChanges({
      collection: 'old',
      upserts: docs.map((d) => ({ docId: d.docId, content: d.content, contentHash: contentHash(d.content), metadata: d.metadata ?? {} })),
      deletes: [],
      message: 'written by an earlier version',
    }))!;
    for (const verify of ['content', 'flags'] as const) t.true((await repo.status({ verify })).clean, `clean at ${verify}`);

    // A real change of metadata is still one.
    await chroma.update('old', { ids: ['tagged'], metadatas: [{ lang: 'de' }] });
    t.deepEqual((await repo.status()).collections[0]!.modified, ['tagged']);
    await repo.commit('German');
    t.true((await repo.status()).clean);

    // Back to the earlier commit: its metadata is restored, and the working copy is clean, so leaving it needs nothing.
    await repo.checkout(c0);
    t.deepEqual(await metadataInChroma(chroma, 'old', 'tagged'), [canonicalMetadata({ lang: 'en' })]);
    t.true((await repo.status()).clean);
    await repo.checkout('main');
    t.deepEqual(await metadataInChroma(chroma, 'old', 'tagged'), [canonicalMetadata({ lang: 'de' })]);
    t.true((await repo.status()).clean);
  });
}
