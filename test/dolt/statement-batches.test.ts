import test from 'ava';
import { sqlLiteralBytes, statementsByBytes } from '../../lib/dolt/statement-batches.js';
import { redactMessage } from '../../lib/redact.js';

test('literal sizes count UTF-8 bytes, quotes and every escaped character', (t) => {
  t.is(sqlLiteralBytes(''), 2);
  t.is(sqlLiteralBytes('abc'), 5);
  t.is(sqlLiteralBytes("it's"), 4 + 1 + 2);
  t.is(sqlLiteralBytes('😀é'), 4 + 2 + 2);
  t.is(sqlLiteralBytes('\0\n\r\\"\x1a\t\b'), 8 * 2 + 2);
});

test('statements are cut by bytes and by rows, in order, never empty', (t) => {
  const items = [5, 5, 5, 20, 1, 1, 1, 1];
  const batches = [...statementsByBytes(items, (n) => n, 10, 3)];
  t.deepEqual(batches, [[5, 5], [5], [20], [1, 1, 1], [1]]);
  t.deepEqual([...statementsByBytes([], (n: number) => n, 10, 3)], []);
});

test('messages lose quoted values and URL credentials; the names of things stay', (t) => {
  t.is(
    redactMessage("Duplicate entry 'secret-doc-id-notes' for key 'PRIMARY'"),
    "Duplicate entry '…' for key 'PRIMARY'",
  );
  t.is(
    redactMessage("Incorrect string value: '\\xF0\\x9F\\x98' for column `content` at row 1"),
    "Incorrect string value: '…' for column `content` at row 1",
  );
  t.is(redactMessage('connect mysql://admin:hunter2@db.example:3306/x failed'), 'connect mysql://***@db.example:3306/x failed');
  t.is(
    redactMessage("Expected metadata value to be a str, int, float or bool, got {'card': '4111 1111'} which is a dict"),
    'Expected metadata value to be a str, int, float or bool, got {…} which is a dict',
  );
  t.is(redactMessage('Collection [learning-docs] does not exist'), 'Collection [learning-docs] does not exist');
  t.is(redactMessage('pass embeddingFunction: "hash" (offline)'), 'pass embeddingFunction: "hash" (offline)');
  t.is(redactMessage("got 'short' which is a str"), "got '…' which is a str");
  t.is(redactMessage('x'.repeat(2_000)).length, 501);
});
