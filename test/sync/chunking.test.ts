import test from 'ava';
import { InvalidChangeError } from '../../lib/dolt/errors.js';
import { chunkId, chunkText, isReservedDocId, joinChunks, nextWriteId } from '../../lib/sync/chunking.js';
import { contentHash, documentHash } from '../../lib/sync/hashing.js';
import { toChunkRecords, toDocuments, type ChunkRecord } from '../../lib/sync/documents.js';
import { validateDocuments } from '../../lib/sync/validate-documents.js';

const asRecords = (r: { ids: string[]; documents: string[]; metadatas: ChunkRecord['meta'][] }): ChunkRecord[] =>
  r.ids.map((id, i) => ({ id, text: r.documents[i]!, meta: r.metadatas[i]! }));

test('short documents are one chunk with the document id; longer ones get versioned chunk ids', (t) => {
  t.deepEqual(chunkText('hello'), ['hello']);
  t.is(chunkId('doc', 0, 1, 0x1234), 'doc');
  t.is(chunkId('doc', 2, 3, 0x1234), 'doc_chunk_2@1234');
  t.true(nextWriteId() < nextWriteId(), 'write ids grow');
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

test('every (document id, chunk index, version) gets its own Chroma id, and no chunk id is a document id', (t) => {
  const bases = ['x', 'x_chunk_0', 'x_chunk_1', 'x_chunk_0@1', 'x_chunk_', 'x_chunk_a', '_chunk_0', 'a_chunk_1@0_chunk_2', 'ü_chunk_01', '', 'x@1'];
  const docIds = bases.flatMap((b) => [b, `${b}_chunk_0`, `${b}_chunk_7@ff`, `${b}@`, `${b}_chunk_12x`]).filter((id) => id !== '');
  const allowed = [...new Set(docIds)].filter((id) => !isReservedDocId(id));
  t.true(allowed.includes('x_chunk_a') && !allowed.includes('x_chunk_0') && !allowed.includes('x_chunk_0@1'));
  const seen = new Map<string, string>();
  for (const docId of allowed) {
    seen.set(chunkId(docId, 0, 1, 5), `${docId}|single`);
    for (const version of [1, 2, 0xabc]) {
      for (let i = 0; i < 12; i++) {
        const id = chunkId(docId, i, 12, version);
        const owner = `${docId}|${i}|${version}`;
        t.is(seen.get(id) ?? owner, owner, `${id} is used twice`);
        seen.set(id, owner);
        t.true(isReservedDocId(id), 'a chunk id is never a legal document id');
      }
    }
  }
  for (const reserved of docIds.filter(isReservedDocId)) {
    t.throws(() => validateDocuments([{ docId: reserved, content: 'c' }], undefined), { instanceOf: InvalidChangeError });
  }
});

test('chunk records carry the sync metadata and read back as the same document', (t) => {
  const content = 'x'.repeat(1_000);
  const records = toChunkRecords([{ docId: 'd', content, metadata: { title: 'T' } }], 77);
  t.deepEqual(records.ids, ['d_chunk_0@4d', 'd_chunk_1@4d', 'd_chunk_2@4d']);
  t.deepEqual(records.metadatas[1], {
    title: 'T',
    source_id: 'd',
    chunk_index: 1,
    total_chunks: 3,
    content_hash: documentHash(content, { title: 'T' }),
    is_local_change: true,
    write_id: 77,
  });
  t.not(records.metadatas[1]!['content_hash'], contentHash(content), 'the version covers the metadata');
  const doc = toDocuments(asRecords(records).reverse()).get('d')!;
  t.is(doc.content, content);
  t.is(doc.actualHash, documentHash(content, { title: 'T' }));
  t.deepEqual(doc.metadata, { title: 'T' });
  t.true(doc.flagged);
  const damaged = toDocuments(asRecords(records).slice(1));
  t.is(damaged.get('d')!.content, null, 'a missing chunk is not silently joined');
});

test('a document is its newest complete version: an interrupted write leaves the previous one readable', (t) => {
  const old = asRecords(toChunkRecords([{ docId: 'd', content: 'old '.repeat(300) }], 10));
  const fresh = asRecords(toChunkRecords([{ docId: 'd', content: 'new '.repeat(400) }], 20));
  t.is(toDocuments([...old, ...fresh.slice(0, 2)]).get('d')!.content, 'old '.repeat(300), 'new version incomplete: old read');
  const both = toDocuments([...fresh, ...old]).get('d')!;
  t.is(both.content, 'new '.repeat(400), 'both complete: the newest wins');
  t.deepEqual(both.otherChunkIds.sort(), old.map((r) => r.id).sort());
  const single = asRecords(toChunkRecords([{ docId: 'd', content: 'short' }], 30));
  t.is(toDocuments([...old, ...single]).get('d')!.content, 'short');
  t.is(toDocuments([{ id: 'd', text: 'foreign', meta: {} }, ...old]).get('d')!.content, 'old '.repeat(300), 'a foreign record ranks last');
});

test('documents are validated whole before anything is written: ids, strings, metadata, size', (t) => {
  const ok = { docId: 'ok', content: 'fine' };
  const bad: Array<[string, unknown]> = [
    ['lone surrogate in content', { docId: 'a', content: 'x\ud800' }],
    ['lone surrogate in id', { docId: '\udc00', content: 'x' }],
    ['non-string content', { docId: 'a', content: 42 }],
    ['BigInt metadata', { docId: 'a', content: 'x', metadata: { n: 10n } }],
    ['nested metadata', { docId: 'a', content: 'x', metadata: { n: { deep: 1 } } }],
    ['reserved metadata key', { docId: 'a', content: 'x', metadata: { source_id: 'other' } }],
    ['empty id', { docId: '', content: 'x' }],
    ['id over the limit', { docId: '😀'.repeat(513), content: 'x' }],
  ];
  for (const [why, doc] of bad) {
    t.throws(() => validateDocuments([ok, doc as never], undefined), { instanceOf: InvalidChangeError }, why);
  }
  t.throws(() => validateDocuments([ok, ok], undefined), { instanceOf: InvalidChangeError }, 'duplicate ids');
  t.notThrows(() => validateDocuments([{ docId: '😀'.repeat(512), content: 'x' }], undefined), 'an id at the limit');
  t.throws(() => validateDocuments([{ docId: 'big', content: 'x'.repeat(101) }], 100), { code: 'ERR_STORE_DOCUMENT_TOO_LARGE' });
});

test('chunkText and joinChunks refuse what they cannot cut or join: a typed error, never an endless loop', (t) => {
  const typeError = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' };
  const rangeError = { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' };
  for (const content of [null, undefined, 5, ['text']]) t.throws(() => chunkText(content as never), typeError, String(content));
  t.throws(() => chunkText('abc', 'a' as never), typeError);
  // An overlap as large as the window never advances: this looped until memory ran out.
  for (const [size, overlap] of [[2, 2], [2, 5], [0, 0], [-1, 0], [2, -1], [1.5, 0], [4, 0.5], [NaN, 0], [Infinity, 0]] as const) {
    t.throws(() => chunkText('abcdefgh', size, overlap), rangeError, `${size}/${overlap}`);
  }
  t.deepEqual(chunkText('abcdefgh', 3, 1), ['abc', 'cde', 'efg', 'gh']);
  t.deepEqual(chunkText('abcdefgh', 1, 0), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  t.throws(() => joinChunks('abc' as never), typeError);
  t.throws(() => joinChunks(['a', 5] as never), { ...typeError, message: /chunks\[1\]/ });
  t.throws(() => joinChunks(['a', 'b'], -1), rangeError);
  t.is(joinChunks([]), '');
  t.is(joinChunks(chunkText('abcdefgh', 3, 1), 1), 'abcdefgh');
});

test('contentHash and documentHash: a non-string text or non-object metadata is a typed error, not a hash of nothing', (t) => {
  const typeError = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' };
  t.throws(() => contentHash(5 as never), { ...typeError, message: /contentHash: content/ });
  t.throws(() => documentHash(undefined as never, null), typeError);
  // Before, a number or string here hashed as "no metadata", the same as a document without any.
  for (const metadata of [5, 'topic=a', true, ['a']]) {
    t.throws(() => documentHash('text', metadata as never), { ...typeError, message: /metadata must be an object/ }, String(metadata));
  }
  t.throws(() => documentHash('text', { fn: (() => 1) as never }), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' });
  t.is(documentHash('text', null), contentHash('text'));
  t.is(documentHash('text', {}), contentHash('text'));
});
