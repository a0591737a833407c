/**
 * Snapshots of a collection's `(doc_id, content_hash)` pairs, kept beside the store file so that a detection in
 * a new process does not read every row of the documents table again when nothing in it changed.
 *
 * A snapshot is named by what it holds: the documents table's content hash (`dolt_hashof_table`, the root of
 * the table's Merkle tree, which any change to any row changes) and the collection. A snapshot whose table hash
 * is the table's current one holds exactly what a read would return; any other is simply not used, so a
 * snapshot can never be stale, whatever wrote to the store (this library, a merge, a pull, another tool). A
 * damaged one (cut short, edited, overwritten) fails its length or digest check and is read past.
 *
 * Files: `.<store name>.hashes/<collection digest>.json`, one per collection, private to the user. The first
 * line is a JSON header; the rest is the pairs exactly as the engine wrote them. Writing is best effort (a
 * read-only folder only costs the next read its speed) and needs no fsync: a file torn by a power cut fails
 * its checks.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, lstatSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';

const FORMAT = 'session-executor/document-hashes';
const VERSION = 1;

interface Header {
  format: string;
  version: number;
  table: string;
  collection: string;
  bytes: number;
  sha1: string;
}

/** The folder of a store's snapshots (hidden, beside the store file). */
export function snapshotFolder(storePath: string): string {
  return join(dirname(storePath), `.${basename(storePath)}.hashes`);
}

/** The snapshot file of one collection: named by a digest, since a collection name may hold any character. */
export function snapshotFile(storePath: string, collection: string): string {
  return join(snapshotFolder(storePath), `${createHash('sha256').update(collection, 'utf8').digest('hex').slice(0, 32)}.json`);
}

/** Integrity, not secrecy: a digest that catches a damaged body, fast on megabytes. */
function digestOf(body: Buffer): string {
  return createHash('sha1').update(body).digest('hex');
}

/**
 * The pairs' JSON text recorded for `collection` when the documents table had content hash `table`, or null
 * (none, another table state, unreadable or damaged).
 */
export function readSnapshot(storePath: string, table: string, collection: string): string | null {
  let fd: number;
  try {
    fd = openSync(snapshotFile(storePath, collection), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const data = readFileSync(fd);
    const newline = data.indexOf(0x0a);
    if (newline < 0) return null;
    const header = parseHeader(data.subarray(0, newline).toString('utf8'));
    if (header === null || header.table !== table || header.collection !== collection) return null;
    const body = data.subarray(newline + 1);
    if (body.length !== header.bytes || digestOf(body) !== header.sha1) return null;
    return body.toString('utf8');
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function parseHeader(text: string): Header | null {
  try {
    const header = JSON.parse(text) as Partial<Header>;
    const ok =
      header.format === FORMAT &&
      header.version === VERSION &&
      typeof header.table === 'string' &&
      typeof header.collection === 'string' &&
      typeof header.bytes === 'number' &&
      typeof header.sha1 === 'string';
    return ok ? (header as Header) : null;
  } catch {
    return null;
  }
}

/**
 * Records `json` (the pairs as the engine returned them) for `collection` at table hash `table`. Best effort:
 * returns whether the snapshot was written. Written atomically (a reader sees the old snapshot or the new, never
 * a mix); a folder that is not a real folder (a link) is never written into.
 */
export function writeSnapshot(storePath: string, table: string, collection: string, json: string): boolean {
  const folder = snapshotFolder(storePath);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    if (!lstatSync(folder).isDirectory()) return false;
    const body = Buffer.from(json, 'utf8');
    const header: Header = { format: FORMAT, version: VERSION, table, collection, bytes: body.length, sha1: digestOf(body) };
    // Not synced: a snapshot torn by a power cut fails its checks and is read past.
    writeFileAtomic(snapshotFile(storePath, collection), Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), body]), 0o600, false);
    return true;
  } catch {
    return false;
  }
}
