/**
 * What detection keeps while pages stream by: per document, its newest complete version's summary and whether
 * anything else was seen of it (another version, or part of one). Texts are kept only for records of versions
 * that straddle a page boundary, until the version is whole (then they are hashed here and dropped), so memory
 * follows the number of documents, not the size of the corpus.
 *
 * Per document it keeps one small object: the few fields detection reads of the newest whole version, not the
 * version's summary (the recorded hash only at the level that trusts it), and version keys shared between the
 * documents of one write. At 100,000 documents this is most of what a first stage holds; the heap grows to a
 * multiple of what is held, so each field saved here counts several times in the process's peak memory.
 */
import type { PageSummary, VersionSummary } from '../chroma/types.js';
import { versionOf, type ChunkRecord } from './documents.js';
import { summarizeRecords } from './page-summary.js';

/** What the scan knows of one document; its newest version seen whole is `best` (itself, once there is one). */
export class Seen {
  /** Whether a version was seen whole; the fields below describe the newest such version. */
  private whole = false;
  /** Its version hash (with hashes), or null. */
  hash: string | null = null;
  /** Its recorded `content_hash` (kept without hashes only: the level that trusts recorded hashes). */
  recordedHash: string | null = null;
  /** UTF-8 bytes of its text (with hashes). */
  bytes: number | null = null;
  chunks = 0;
  writeId = 0;
  /** Whether any other version key than the first was seen. */
  several = false;
  /** Records of versions not yet seen whole, by record id (a record seen twice is kept once). */
  pending: Map<string, ChunkRecord> | null = null;

  constructor(
    /** The first version key seen. */
    readonly key: string,
  ) {}

  /** The newest version seen whole (this object, which carries its fields), or null. */
  get best(): this | null {
    return this.whole ? this : null;
  }

  /** Whether the version is a record another tool wrote. */
  get foreign(): boolean {
    return this.writeId < 0;
  }

  /** Takes `version` when it is the first seen whole or newer than the one taken. */
  take(version: VersionSummary, keepRecordedHash: boolean): void {
    // The same version seen whole twice (pages shifted) is the same: the first stays.
    if (this.whole && version.writeId <= this.writeId) return;
    this.whole = true;
    this.hash = version.hash ?? null;
    this.recordedHash = keepRecordedHash ? version.recordedHash : null;
    this.bytes = version.bytes ?? null;
    this.chunks = version.chunks;
    this.writeId = version.writeId;
  }
}

/** Version keys seen lately, so that the documents of one write share one key string. */
const KEYS_SHARED = 4_096;

export class DocumentScan {
  private readonly docs = new Map<string, Seen>();
  private keys = new Map<string, string>();

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
    this.entry(version.docId, version.key).take(version, !this.withHashes);
  }

  private entry(docId: string, key: string): Seen {
    let seen = this.docs.get(docId);
    if (!seen) this.docs.set(docId, (seen = new Seen(this.shared(key))));
    else if (seen.key !== key) seen.several = true;
    return seen;
  }

  private shared(key: string): string {
    const known = this.keys.get(key);
    if (known !== undefined) return known;
    if (this.keys.size >= KEYS_SHARED) this.keys = new Map();
    this.keys.set(key, key);
    return key;
  }
}
