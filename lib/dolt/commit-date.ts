/**
 * Commit dates in one format on every store: ISO 8601 in UTC with milliseconds and a `Z`
 * (`2026-11-26T10:49:03.000Z`), which sorts as text and parses with `new Date()` everywhere.
 */

/**
 * `value`: a Date, epoch seconds, or a date-time text; text without a zone is UTC, as Dolt and DoltLite record
 * commit times.
 */
export function isoDate(value: Date | number | string): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value * 1000).toISOString();
  const text = value.trim().replace(' ', 'T');
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(text) ? text : `${text}Z`;
  const date = new Date(zoned);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}
