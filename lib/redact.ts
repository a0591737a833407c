/**
 * Keeping secrets and user content out of error messages. Database and Chroma messages quote the values that
 * offended them ("Duplicate entry '...'", "Incorrect string value: '...'", "got {...} which is a dict"), and a
 * connection URL carries its password: an error object is logged, serialised and shown, so none of that may
 * be in it. Names the reader needs (a column, a key, a table) stay.
 */

/** Quoted words kept as they are: identifiers named by the words before them. */
const NAMING_WORD = /\b(?:key|column|table|database|schema|function|procedure|variable|field|index|collection)\s*$/i;
/** A quoted literal: '...' or "..." (with backslash escapes), or a bracketed/braced value display. */
const LITERAL = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\{[^{}]*\}|\[[^[\]]*\]/g;
/** A short identifier-like token is a name, not content (Chroma writes collection names in brackets). */
const NAME_TOKEN = /^[\[{'"]?[A-Za-z0-9._-]{1,64}[\]}'"]?$/;
/** user:password@ in any URL-like string. */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/@\s:]*(:[^/@\s]*)?@/gi;

/** Removes user content (quoted values) and URL credentials from a message; names of things stay. */
export function redactMessage(message: string, maxLength = 500): string {
  const withoutUrls = message.replace(URL_CREDENTIALS, '$1***@');
  const redacted = withoutUrls.replace(LITERAL, (literal, offset: number) => {
    const before = withoutUrls.slice(Math.max(0, offset - 24), offset);
    if (NAMING_WORD.test(before) && literal.length <= 130) return literal;
    // Bracketed and double-quoted short words are how Chroma and this library name things ("hash", [notes]);
    // values are quoted with single quotes (Python's repr, SQL) or shown as {...}.
    if ((literal.startsWith('[') || literal.startsWith('"')) && NAME_TOKEN.test(literal)) return literal;
    return literal[0] === '{' ? '{…}' : literal[0] === '[' ? '[…]' : `${literal[0]}…${literal[0]}`;
  });
  return redacted.length > maxLength ? `${redacted.slice(0, maxLength)}…` : redacted;
}
