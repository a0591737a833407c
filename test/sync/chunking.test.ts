import test from 'ava';
import { chunkId, chunkText, joinChunks } from '../../lib/sync/chunking.js';
import { contentHash } from '../../lib/sync/hashing.js';
import { toChunkRecords, toDocuments } from '../../lib/sync/documents.js';

test('short documents are one chunk with the document id', (t) => {
  t.deepEqual(chunkText('hello'), ['hello']);
  t.is(chunkId('doc', 0, 1), 'doc');
  t.is(chunkId('doc', 2, 3), 'doc_chunk_2');
});

test('long documents: 512-character windows overlapping by 50, joined back exactly (code points, not UTF-16 units)', (t) => {
  const text = Array.from({ length: 1_500 }, (_, i) => (i % 7 === 0 ? '😀' : i % 5 === 0 ? '日' : 'a')).join('');
  const chunks = chunkText(text);
  t.is(chunks.length, Math.ceil((Array.from(text).length - 50) / 462));
  t.true(chunks.every((c) => Array.from(c).length <= 512));
  t.is(Array.from(chunks[1]!).slice(0, 50).join(''), Array.from(chunks[0]!).slice(462).join(''));
  t.is(joinChunks(chunks), text);
  t.false(chunks.some((c) => /[\uD800-\uDBFF]$/.test(c)), 'no chunk ends in half a surrogate pair');
});

test('content hash is lowercase SHA-256 hex of UTF-8', (t) => {
  t.is(contentHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  t.regex(contentHash('ü'), /^[0-9a-f]{64}$/);
});

test('chunk records carry the sync metadata and read back as the same document', (t) => {
  const content = 'x'.repeat(1_000);
  const records = toChunkRecords([{ docId: 'd', content, metadata: { title: 'T' } }]);
  t.deepEqual(records.ids, ['d_chunk_0', 'd_chunk_1', 'd_chunk_2']);
  t.deepEqual(records.metadatas[1], {
    title: 'T',
    source_id: 'd',
    chunk_index: 1,
    total_chunks: 3,
    content_hash: contentHash(content),
    is_local_change: true,
  });
  const docs = toDocuments([...records.ids].reverse(), [...records.documents].reverse(), [...records.metadatas].reverse());
  const doc = docs.get('d')!;
  t.is(doc.content, content);
  t.is(doc.actualHash, contentHash(content));
  t.deepEqual(doc.metadata, { title: 'T' });
  t.true(doc.flagged);
  const damaged = toDocuments(records.ids.slice(1), records.documents.slice(1), records.metadatas.slice(1));
  t.is(damaged.get('d')!.content, null, 'a missing chunk is not silently joined');
});
