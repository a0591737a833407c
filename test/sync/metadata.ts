/**
 * A document's version is its text and its own metadata, run against any version store: a change of metadata
 * alone is detected at both levels, staged, committed and diffed; one made in Chroma without the library is seen
 * by `content`; chunks that disagree on metadata are not collapsed into either; and what earlier versions of the
 * library wrote (text-only hashes) keeps working.
 */
import test, { type ExecutionContext } from 'ava';
import { Chroma } from '../../lib/chroma/chroma.js';
import type { Metadata } from '../../lib/chroma/types.js';
import type { VersionStore } from '../../lib/dolt/version-store.js';
import { ChromaDoltSync, type DetectResult } from '../../lib/sync/chroma-dolt-sync.js';
import { contentHash, documentHash } from '../../lib/sync/hashing.js';
import { openEmbeddedChroma, type OpenChroma } from '../helpers/open-chroma.js';

export type OpenSyncStore = (t: ExecutionContext) => Promise<VersionStore>;

const changes = (r: DetectResult) => ({ added: r.added.sort(), modified: r.modified.sort(), deleted: r.deleted.sort(), incomplete: r.incomplete.sort() });
const none = { added: [], modified: [], deleted: [], incomplete: [] };
const long = (seed: string) => Array.from({ length: 90 }, (_, i) => `${seed} sentence ${i}.`).join(' ');

export function syncMetadata(kind: string, openStore: OpenSyncStore, openChroma: OpenChroma = openEmbeddedChroma): void {
  async function setup(t: ExecutionContext) {
    const chroma = await openChroma(t, 'sync-metadata');
    const store = await openStore(t);
    const sync = new ChromaDoltSync(chroma, store, { batchSize: 8 });
    await chroma.createCollection({ name: 'meta' });
    return { chroma, store, sync };
  }
  test(`${kind}: a change of metadata alone, through writeDocuments, is detected at both levels, staged, committed and diffed`, async (t) => {
    const { store, sync } = await setup(t);
    const docs = [
      { docId: 'one', content: 'same text', metadata: { lang: 'en', n: 1 } as Metadata },
      { docId: 'many', content: long('many'), metadata: { lang: 'en' } as Metadata },
      { docId: 'bare', content: 'no metadata yet' },
      { docId: 'kept', content: 'unchanged', metadata: { lang: 'en' } as Metadata },
    ];
    await sync.writeDocuments('meta', docs);
    const first = await sync.stageLocalChanges('meta', { message: 'first' });
    t.is(first.added.length, 4);
    const hashes = await store.documentHashes('meta');
    t.is(hashes.get('bare'), contentHash('no metadata yet'), 'a document without metadata keeps the hash of its text');
    t.is(hashes.get('one'), documentHash('same text', { lang: 'en', n: 1 }));
    t.not(hashes.get('one'), contentHash('same text'), 'the version of a document with metadata covers it');

    // Same texts; only metadata differs (a value, a type: 1 -> '1', a key added, a key removed).
    await sync.writeDocuments('meta', [
      { docId: 'one', content: 'same text', metadata: { lang: 'en', n: '1' } },
      { docId: 'many', content: long('many'), metadata: { lang: 'fr' } },
      { docId: 'bare', content: 'no metadata yet', metadata: { tag: 'now' } },
    ]);
    for (const verify of ['content', 'flags'] as const) {
      t.deepEqual(changes(await sync.detectLocalChanges('meta', { verify })), { ...none, modified: ['bare', 'many', 'one'] }, verify);
    }
    const second = await sync.stageLocalChanges('meta', { message: 'metadata only', verify: 'flags' });
    t.deepEqual(second.modified.sort(), ['bare', 'many', 'one']);
    t.truthy(second.commit, 'a commit was made');
    const diff = await store.diff(second.commit!);
    t.deepEqual(diff.map((d) => d.docId).sort(), ['bare', 'many', 'one'], 'the commit changed the three documents');
    for (const change of diff) {
      t.is(change.type, 'modified');
      t.not(change.fromHash, change.toHash);
    }
    t.is((await store.documentHashes('meta')).get('many'), documentHash(long('many'), { lang: 'fr' }));
    for (const verify of ['content', 'flags'] as const) t.deepEqual(changes(await sync.detectLocalChanges('meta', { verify })), none, `${verify} after the stage`);

    // Rewriting a document as it is (same text, same metadata, keys in another order) is no change.
    await sync.writeDocuments('meta', [{ docId: 'one', content: 'same text', metadata: { n: '1', lang: 'en' } }]);
    for (const verify of ['content', 'flags'] as const) t.deepEqual(changes(await sync.detectLocalChanges('meta', { verify })), none, `${verify}: same version`);
    // A key set to null is an absent key: no change, and Chroma (which holds no null) takes the write.
    await sync.writeDocuments('meta', [{ docId: 'one', content: 'same text', metadata: { n: '1', lang: 'en', gone: null } }]);
    for (const verify of ['content', 'flags'] as const) t.deepEqual(changes(await sync.detectLocalChanges('meta', { verify })), none, `${verify}: null is absent`);
    // Removing the metadata is a change too.
    await sync.writeDocuments('meta', [{ docId: 'kept', content: 'unchanged' }]);
    for (const verify of ['content', 'flags'] as const) {
      t.deepEqual(changes(await sync.detectLocalChanges('meta', { verify })), { ...none, modified: ['kept'] }, `${verify}: metadata removed`);
    }
  });

  test(`${kind}: metadata edited in Chroma without the library is seen by 'content'; chunks that disagree are incomplete, not collapsed`, async (t) => {
    const { chroma, sync } = await setup(t);
    await sync.writeDocuments('meta', [
      { docId: 'one', content: 'one text', metadata: { lang: 'en' } },
      { docId: 'many', content: long('many'), metadata: { lang: 'en' } },
      { docId: 'other', content: long('other'), metadata: { lang: 'en' } },
    ]);
    await sync.stageLocalChanges('meta', { message: 'first' });

    // A raw update of one record's metadata (chromadb's update merges keys).
    await chroma.update('meta', { ids: ['one'], metadatas: [{ lang: 'de' }] });
    // One chunk of a multi-chunk document edited by another tool: which metadata is the document's?
    const many = await chroma.get('meta', { where: { source_id: 'many' }, include: ['metadatas'] });
    t.true(many.ids.length > 2);
    const second = many.ids[many.metadatas!.findIndex((m) => m!['chunk_index'] === 1)]!;
    await chroma.update('meta', { ids: [second], metadatas: [{ lang: 'xx' }] });
    // Every chunk of another one edited alike: a whole change.
    const others = await chroma.get('meta', { where: { source_id: 'other' }, include: [] });
    await chroma.update('meta', { ids: others.ids, metadatas: others.ids.map(() => ({ lang: 'it', extra: 2.5 })) });

    const byContent = changes(await sync.detectLocalChanges('meta'));
    t.deepEqual(byContent, { ...none, modified: ['one', 'other'], incomplete: ['many'] });
    t.deepEqual(changes(await sync.detectLocalChanges('meta', { verify: 'flags' })), none, 'flags trusts the recorded hashes (as documented)');

    const staged = await sync.stageLocalChanges('meta', { message: 'raw edits' });
    t.deepEqual(staged.modified.sort(), ['one', 'other']);
    t.deepEqual(staged.incomplete, ['many'], 'never staged at either metadata');
    t.deepEqual(changes(await sync.detectLocalChanges('meta')), { ...none, incomplete: ['many'] });

    // Rewriting it through the library settles it.
    await sync.writeDocuments('meta', [{ docId: 'many', content: long('many'), metadata: { lang: 'xx' } }]);
    t.deepEqual(changes(await sync.detectLocalChanges('meta')), { ...none, modified: ['many'] });
    await sync.stageLocalChanges('meta', { message: 'settled' });
    for (const verify of ['content', 'flags'] as const) t.deepEqual(changes(await sync.detectLocalChanges('meta', { verify })), none, verify);

    // The sync layer's own keys are not the document's: editing one is no change of version.
    await chroma.update('meta', { ids: ['one'], metadatas: [{ is_local_change: false }] });
    t.deepEqual(changes(await sync.detectLocalChanges('meta')), none);
  });

  test(`${kind}: what earlier versions wrote (text-only hashes) keeps working: documents without metadata unchanged, those with it re-staged once`, async (t) => {
    const { chroma, store, sync } = await setup(t);
    const docs = [
      { docId: 'plain', content: 'plain text' },
      { docId: 'tagged', content: 'tagged text', metadata: { lang: 'en' } as Metadata },
      { docId: 'long', content: long('long'), metadata: { lang: 'en', n: 3 } as Metadata },
    ];
    await sync.writeDocuments('meta', docs, { localChange: false });
    // As an earlier version recorded them: the hash of the text alone, on every chunk and in the store.
    const all = await chroma.get('meta', { include: ['metadatas'] });
    const textOf = new Map(docs.map((d) => [d.docId, d.content]));
    await chroma.update('meta', {
      ids: all.ids,
      metadatas: all.metadatas!.map((meta) => ({ content_hash: contentHash(textOf.get(String(meta!['source_id']))!) })),
    });
    await store.commitChanges({
      collection: 'meta',
      upserts: docs.map((d) => ({ docId: d.docId, content: d.content, contentHash: contentHash(d.content), metadata: d.metadata ?? {} })),
      deletes: [],
      message: 'written by an earlier version',
    });

    t.deepEqual(changes(await sync.detectLocalChanges('meta', { verify: 'flags' })), none, 'flags: nothing to stage');
    t.deepEqual(changes(await sync.detectLocalChanges('meta')), { ...none, modified: ['long', 'tagged'] }, 'content: documents with metadata, once');
    const staged = await sync.stageLocalChanges('meta', { message: 'version hashes' });
    t.deepEqual(staged.modified.sort(), ['long', 'tagged']);
    const hashes = await store.documentHashes('meta');
    t.is(hashes.get('plain'), contentHash('plain text'), 'unchanged');
    t.is(hashes.get('tagged'), documentHash('tagged text', { lang: 'en' }));
    for (const verify of ['content', 'flags'] as const) t.deepEqual(changes(await sync.detectLocalChanges('meta', { verify })), none, `${verify}, after`);
    // A library write of such a document keeps working too.
    await sync.writeDocuments('meta', [{ docId: 'tagged', content: 'tagged text', metadata: { lang: 'de' } }]);
    for (const verify of ['content', 'flags'] as const) {
      t.deepEqual(changes(await sync.detectLocalChanges('meta', { verify })), { ...none, modified: ['tagged'] }, `${verify}, a new edit`);
    }
  });
}
