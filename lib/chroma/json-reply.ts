/**
 * Large replies of the Python host passed on as their bytes. A page of a first stage carries megabytes of
 * document text; parsed in the owner thread it would become a string and an object graph there, then a
 * structured clone, then the same objects again on the caller's thread. Passed on as the reply frame's UTF-8
 * body, in a transferred `ArrayBuffer`, it costs the owner nothing but the bytes (outside its heap) and is
 * parsed once, by the caller, into objects shaped by `JSON.parse` (compact, unlike a clone's).
 *
 * Such a reply may come in lines (the host's `write_frame_lines`): the first is `{"ok": value}`, each later one
 * an object of arrays to append to the same-named arrays of that value. Each line is decoded and parsed on its
 * own, so no string of the whole reply is ever made: a string of megabytes lands in the large-object space,
 * where it outlives the young generation's collections and is freed only by a full one.
 */
import { transfer, type Transferred } from '../session.js';
import { ownsItsBuffer } from './frames.js';

/** The body of a host reply frame, `{"ok": value}` as UTF-8 JSON (maybe in lines); `T` is the value's type. */
export interface JsonReply<T> {
  readonly replyJson: Uint8Array;
  /** Never set: carries `T`. */
  readonly valueType?: T;
}

const ERROR_PREFIX = Buffer.from('{"error"');

/** Whether a reply body is an error reply (the host writes `{"error": ...}` for every failure, `{"ok": ...}` otherwise). */
export function isErrorReply(body: Uint8Array): boolean {
  return body.length >= ERROR_PREFIX.length && ERROR_PREFIX.equals(body.subarray(0, ERROR_PREFIX.length));
}

/** Owner side: a successful reply body, to be transferred to the caller (copied first when it shares its buffer). */
export function forwardReply<T>(body: Uint8Array): Transferred<JsonReply<T>> {
  const bytes = ownsItsBuffer(body) ? body : new Uint8Array(body);
  return transfer({ replyJson: bytes }, [bytes.buffer as ArrayBuffer]);
}

/** Caller side: the value, from a reply passed on as bytes or from a session that replied with the value itself. */
export function readReply<T>(reply: T | JsonReply<T>): T {
  if (reply === null || typeof reply !== 'object' || !('replyJson' in reply) || !(reply.replyJson instanceof Uint8Array)) return reply as T;
  const bytes = reply.replyJson;
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = lineEnd(body, 0);
  const value = (JSON.parse(body.toString('utf8', 0, end)) as { ok: T }).ok;
  while (end < body.length) {
    const start = end + 1;
    end = lineEnd(body, start);
    const more = JSON.parse(body.toString('utf8', start, end)) as Record<string, unknown[]>;
    for (const key of Object.keys(more)) {
      const into = (value as Record<string, unknown[]>)[key]!;
      for (const item of more[key]!) into.push(item);
    }
  }
  return value;
}

/** Where the line starting at `start` ends (a newline never occurs inside JSON text: it is escaped there). */
function lineEnd(body: Buffer, start: number): number {
  const at = body.indexOf(0x0a, start);
  return at < 0 ? body.length : at;
}
