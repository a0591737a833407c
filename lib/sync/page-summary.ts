/**
 * A page of chunk records summarised by document version, where the data is: the remote session's owner
 * thread runs this (the embedded session's Python host runs its twin, `summarize_records` in
 * workers/chroma_host.py), and detection runs it again on records that straddled page boundaries. Grouping
 * follows {@link toDocuments}: by `source_id` (a record without it is a one-chunk document named by its id),
 * then by `write_id`, or by `content_hash` for chunks written before write ids. A version whose chunks
 * (indexes 0..n-1, with text when hashing) are all present becomes one small summary carrying the hash of its
 * joined text and its metadata (lib/sync/hashing.ts); the records of any other version come back as they are.
 */
import type { Metadata, PageSummary, VersionSummary } from '../chroma/types.js';
import { joinChunks } from './chunking.js';
import { isWhole, ownMetadata, partOf, partsAgree, versionOf, type Part } from './documents.js';
import { contentHash, versionHashOf } from './hashing.js';
import { isUnstagedChunk } from './stage-floor.js';

/**
 * Whether a complete version may differ from what the last stage committed, so a stage scanning with
 * `withTexts: { floor }` needs its text: one of its chunks is unstaged under the floor, or its hash is not the
 * one the library recorded (edited without the library). A version with no hash (its chunks disagree) is
 * not staged, so needs none. The Python host's twin is `may_be_unstaged` in workers/chroma_host.py.
 */
export function mayBeUnstaged(version: VersionSummary, metas: Iterable<Metadata>, floor: number | null): boolean {
  if (typeof version.hash !== 'string') return false;
  if (version.hash !== version.recordedHash) return true;
  for (const meta of metas) if (isUnstagedChunk(meta, floor)) return true;
  return false;
}

/**
 * Summarises records (see the file header); `overlap` is what each later chunk repeats of the one before.
 * `onWhole`, when given, also receives each complete version's joined text, first chunk's metadata and
 * parts (with `withHashes`): a stage that reads texts anyway takes them from here rather than joining them
 * again.
 */
export function summarizeRecords(
  records: Iterable<{ id: string; text: string | null; meta: Metadata }>,
  withHashes: boolean,
  overlap: number,
  onWhole?: (version: VersionSummary, text: string, meta: Metadata, parts: Part[]) => void,
): Omit<PageSummary, 'records' | 'more'> {
  const groups = new Map<string, { docId: string; key: string; writeId: number; parts: Part[] }>();
  for (const record of records) {
    const { docId, key, writeId } = versionOf(record.id, record.meta);
    const groupKey = JSON.stringify([docId, key]);
    let group = groups.get(groupKey);
    if (!group) groups.set(groupKey, (group = { docId, key, writeId, parts: [] }));
    group.parts.push(partOf(record));
  }
  const versions: VersionSummary[] = [];
  const partial: PageSummary['partial'] = [];
  for (const { docId, key, writeId, parts } of groups.values()) {
    if (!isWhole(parts, withHashes)) {
      for (const { id, text, meta } of parts) partial.push({ id, text, meta });
      continue;
    }
    const first = parts[0]!.meta;
    const summary: VersionSummary = {
      docId,
      key,
      writeId,
      recordedHash: typeof first['content_hash'] === 'string' ? first['content_hash'] : null,
      flagged: parts.some((part) => part.meta['is_local_change'] === true),
      chunks: parts.length,
    };
    if (withHashes) {
      const joined = joinChunks(parts.map((part) => part.text!), overlap);
      // The version covers the document's own metadata (chunk 0's); chunks that disagree on it give no hash.
      summary.hash = partsAgree(parts) ? versionHashOf(contentHash(joined), ownMetadata(first)) : null;
      summary.bytes = Buffer.byteLength(joined, 'utf8');
      onWhole?.(summary, joined, first, parts);
    }
    versions.push(summary);
  }
  return { versions, partial };
}
