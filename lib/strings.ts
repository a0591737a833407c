/** String checks shared by the Chroma façade, the sync layer and the version stores. */

type WellFormed = { isWellFormed(): boolean };

/**
 * Whether a string has no lone surrogate (`String.prototype.isWellFormed`, Node 20+). A lone surrogate cannot
 * be encoded in UTF-8: Node would silently write U+FFFD (the stored text then differs from its hash) and
 * Python refuses it outright.
 */
export function isWellFormed(value: string): boolean {
  return (value as unknown as WellFormed).isWellFormed();
}

/** Length in Unicode code points, the unit MySQL's `VARCHAR(n)` and Python's `len()` count. */
export function codePointLength(value: string): number {
  let length = 0;
  for (const _ of value) length++;
  return length;
}
