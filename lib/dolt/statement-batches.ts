/**
 * Cutting multi-row statements by bytes. A row count alone cannot keep a statement under the server's packet
 * limit: 500 rows of ordinary source files is already more than MySQL's 16 MiB default.
 */

/** Characters mysql2 escapes with a backslash in a text literal (each costs one more byte). */
const ESCAPED = /[\0\b\t\n\r\x1a"'\\]/g;

/** The bytes a string takes as an escaped, quoted SQL literal. */
export function sqlLiteralBytes(value: string): number {
  let escapes = 0;
  ESCAPED.lastIndex = 0;
  while (ESCAPED.exec(value) !== null) escapes++;
  return Buffer.byteLength(value, 'utf8') + escapes + 2;
}

/**
 * Consecutive runs of `items` whose summed `bytesOf` stays within `budget` and whose length stays within
 * `maxRows`; an item alone over the budget is a run of its own (callers refuse those beforehand).
 */
export function* statementsByBytes<T>(
  items: T[],
  bytesOf: (item: T) => number,
  budget: number,
  maxRows: number,
): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (batch.length > 0 && (bytes + size > budget || batch.length >= maxRows)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
