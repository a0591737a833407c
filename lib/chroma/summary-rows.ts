/**
 * Page summaries as the Python host sends most of them: rows, the fields of a version summary in a fixed
 * order without their names, `[docId, key, writeId, recordedHash, flagged, chunks]` and, with hashes,
 * `[hash, bytes]`. A key of null stands for `w:` and the write id; a hash of 1 for the recorded hash, which
 * most documents have. A page of rows is less than half the JSON of the same objects, which matters because
 * every page of a detection is written by the host and parsed here while chromadb reads the next one on the
 * same two or so cores. Summaries that carry text still come as objects.
 */
import type { PageSummary, VersionSummary } from './types.js';

/** One version summary as a row; see the module comment. */
export type SummaryRow =
  | [docId: string, key: string | null, writeId: number, recordedHash: string | null, flagged: boolean, chunks: number]
  | [docId: string, key: string | null, writeId: number, recordedHash: string | null, flagged: boolean, chunks: number, hash: string | null | 1, bytes: number];

/** A page as the host writes it: summaries as objects (those with text) and as rows. */
export type PageSummaryWithRows = PageSummary & { rows?: SummaryRow[] };

/** The page with its rows made into version summaries (appended to `versions`); a page without rows as it is. */
export function expandRows(page: PageSummaryWithRows): PageSummary {
  const rows = page.rows;
  if (rows === undefined) return page;
  const versions = page.versions;
  for (const row of rows) {
    const [docId, key, writeId, recordedHash, flagged, chunks] = row;
    const version: VersionSummary = { docId, key: key ?? `w:${writeId}`, writeId, recordedHash, flagged, chunks };
    if (row.length > 6) {
      const hash = row[6];
      version.hash = hash === 1 ? recordedHash : (hash ?? null);
      version.bytes = row[7];
    }
    versions.push(version);
  }
  return { records: page.records, more: page.more, versions, partial: page.partial };
}
