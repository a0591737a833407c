/**
 * Host replies passed on as bytes (lib/chroma/json-reply.ts): read whole or in lines, errors told apart, and the
 * library's owner threads' default heap bounds.
 */
import test from 'ava';
import { forwardReply, isErrorReply, readReply } from '../../lib/chroma/json-reply.js';
import { OWNER_YOUNG_GENERATION_MB, withOwnerHeapDefaults } from '../../lib/owner-heap.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

test('a reply in one line or in lines reads as the same value; appended lines extend the named lists in order', (t) => {
  const value = { records: 3, more: false, versions: [{ docId: 'a', text: 'é\nx' }, { docId: 'b' }], partial: [{ id: 'c' }] };
  t.deepEqual(readReply({ replyJson: bytes(JSON.stringify({ ok: value })) }), value);
  const lines = [
    { ok: { records: 3, more: false, versions: [], partial: [] } },
    { versions: [{ docId: 'a', text: 'é\nx' }] },
    { versions: [{ docId: 'b' }] },
    { partial: [{ id: 'c' }] },
  ];
  t.deepEqual(readReply({ replyJson: bytes(lines.map((line) => JSON.stringify(line)).join('\n')) }), value);
  t.deepEqual(readReply(value), value, 'a session that replied with the value itself');
});

test('forwardReply moves bytes of their own, copies a view of a larger buffer; error replies are recognised', (t) => {
  const own = bytes('{"ok":1}');
  const forwarded = forwardReply<number>(own);
  t.is(forwarded.value.replyJson, own);
  t.deepEqual(forwarded.transferList, [own.buffer]);
  const larger = Buffer.from('xx{"ok":2}yy');
  const view = larger.subarray(2, 10);
  const copied = forwardReply<number>(view).value.replyJson;
  t.not(copied.buffer, larger.buffer);
  t.is(readReply(forwardReply<number>(view).value), 2);
  t.true(isErrorReply(bytes('{"error": {"kind": "internal"}}')));
  t.false(isErrorReply(bytes('{"ok": {"error": 1}}')));
});

test('owner heap defaults: a young generation bound unless the caller set one; bad options go on untouched to be refused', (t) => {
  t.deepEqual(withOwnerHeapDefaults(undefined), { resourceLimits: { maxYoungGenerationSizeMb: OWNER_YOUNG_GENERATION_MB } });
  t.deepEqual(withOwnerHeapDefaults({ timeoutMs: 5, resourceLimits: { maxOldGenerationSizeMb: 900 } }), {
    timeoutMs: 5,
    resourceLimits: { maxYoungGenerationSizeMb: OWNER_YOUNG_GENERATION_MB, maxOldGenerationSizeMb: 900 },
  });
  t.deepEqual(withOwnerHeapDefaults({ resourceLimits: { maxYoungGenerationSizeMb: 64 } }), { resourceLimits: { maxYoungGenerationSizeMb: 64 } });
  t.is(withOwnerHeapDefaults(7 as never), 7 as never);
  const bad = { resourceLimits: 'big' as never };
  t.is(withOwnerHeapDefaults(bad), bad);
});
