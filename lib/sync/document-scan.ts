/**
 * What detection keeps while pages stream by: per document, its newest complete version's summary and whether
 * anything else was seen of it (another version, or part of one). Texts are kept only for records of versions
 * that straddle a page boundary, until the version is whole (then they are hashed here and dropped), so memory
 * follows the number of documents, not the size of the corpus.
 */
import type { PageSummary, VersionSummary } from '../chroma/types.js';
import { versionOf, type ChunkRecord } from './documents.js';
import { summarizeRecords } from './page-summary.js';

interface Seen {
  /** The newest version seen whole. */
  best: VersionSummary | null;
  /** The first version key seen, and whether any other was. */
  key: string;
  several: boolean;
  /** Records of versions not yet seen whole, by record id (a record seen twice is kept once). */
  pending: Map<string, ChunkRecord> | null;
}

export class DocumentScan {
  private readonly docs = new Map<string, Seen>();

  constructor(
    private readonly withHashes: boolean,
    private readonly overlap: number,
  ) {}

  addPage(page: Pick<PageSummary, 'versions' | 'partial'>): void {
    for (const version of page.versions) this.addVersion(version);
    const touched = new Set<string>();
    for (const record of page.partial) {
      const { docId, key } = versionOf(record.id, record.meta);
      const seen = this.entry(docId, key);
      (seen.pending ??= new Map()).set(record.id, record);
      touched.add(docId);
    }
    for (const docId of touched) {
      const seen = this.docs.get(docId)!;
      const again = summarizeRecords(seen.pending!.values(), this.withHashes, this.overlap);
      if (again.versions.length === 0) continue;
      for (const version of again.versions) this.addVersion(version);
      seen.pending = again.partial.length === 0 ? null : new Map(again.partial.map((record) => [record.id, record]));
    }
  }

  /** Every document seen, with its newest whole version (null when none was seen whole). */
  entries(): IterableIterator<[string, Seen]> {
    return this.docs.entries();
  }

  has(docId: string): boolean {
    return this.docs.has(docId);
  }

  get size(): number {
    return this.docs.size;
  }

  /**
   * Whether the scan alone cannot say what the document is: no version seen whole, or more than one version
   * seen (a write in progress or interrupted, or pages shifted by another writer). Such documents are looked
   * up by id.
   */
  static unsettled(seen: Seen): boolean {
    if (seen.best === null || seen.several) return true;
    return false;
  }

  private addVersion(version: VersionSummary): void {
    const seen = this.entry(version.docId, version.key);
    // The same version seen whole twice (pages shifted) is the same: the first stays.
    if (seen.best === null || version.writeId > seen.best.writeId) seen.best = version;
  }

  private entry(docId: string, key: string): Seen {
    let seen = this.docs.get(docId);
    if (!seen) this.docs.set(docId, (seen = { best: null, key, several: false, pending: null }));
    else if (seen.key !== key) seen.several = true;
    return seen;
  }
}
