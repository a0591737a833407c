/**
 * The reader of a stage: detection's page scan, which also feeds the store, so a stage reads the collection
 * once (at the flags level: its unstaged chunks once, besides the ids).
 *
 * Every page is summarised in the session with the joined text of each complete version that may be
 * unstaged (`withTexts: { floor }`: a chunk unstaged under the stage floor, or a hash other than the recorded
 * one; see mayBeUnstaged in page-summary.ts). Detection sees the same summaries; the texts, which the store
 * needs anyway, cross to this thread once per document rather than as chunk records with a metadata object
 * each, and only for the documents a stage may commit: all of them in a first stage, a few in a small one.
 * So a stage reads the collection once, whatever share of it changed. Each changed document is handed to the
 * store as its page goes by (its text is then dropped from the summary detection keeps); records of versions
 * cut by a page boundary are carried to the next page and joined here; what remains (unsettled documents, and
 * changed ones that carried no text: the store moved while Chroma did not) is left to detection's lookups by
 * id and to the stage's fetch by id (`emitted` says what was handed over already).
 *
 * A document handed over early may turn out unsettled (another version further on: a writer racing the scan,
 * or a previous version a failed clean-up left). Detection then looks it up by id; `recordsOf` watches those
 * lookups, and {@link StagingReader.mismatched} names any document whose looked-up version is not the one
 * handed over, so the stage can start its commit again without the early hand-over.
 */
import type { Chroma } from '../chroma/chroma.js';
import type { Metadata, PageSummary, VersionSummary, Where } from '../chroma/types.js';
import type { CallOptions } from '../executor/options.js';
import type { DocumentRecord } from '../dolt/version-store.js';
import type { SyncProgress } from './chroma-dolt-sync.js';
import { ChromaReader } from './chroma-reader.js';
import { CHUNK_OVERLAP } from './chunking.js';
import { ownMetadata, toDocuments, versionOf, type ChunkRecord } from './documents.js';
import { mayBeUnstaged, summarizeRecords } from './page-summary.js';
import { storeRefusal } from './stage-refusal.js';

export interface StagingSink {
  /** The store's committed hashes (the stage reads them before the scan). */
  hashes: Promise<Map<string, string>>;
  /** The stage floor in force: versions that may be unstaged under it come with their texts. */
  floor: number | null;
  /** Hands changed documents to the store; settles when the store took them. */
  write: (upserts: DocumentRecord[]) => Promise<void>;
  maxDocumentBytes: number | undefined;
}

export class StagingReader extends ChromaReader {
  /** Documents handed to the store, with the hash of the version handed over. */
  readonly emitted = new Map<string, string>();
  /** Documents the scan found the store cannot take (their error code); they were not handed over. */
  readonly refusedEarly = new Map<string, string>();
  /** Handed-over documents whose lookup by id found another version (or none). */
  private readonly differing = new Set<string>();
  /** Records of versions not yet whole, by document, carried from page to page. */
  private carried = new Map<string, ChunkRecord[]>();

  constructor(
    private readonly source: Chroma,
    private readonly name: string,
    private readonly pageSize: number,
    private readonly callOptions: CallOptions,
    private readonly report: (progress: SyncProgress) => void,
    private readonly sink: StagingSink,
  ) {
    super(source, name, pageSize, callOptions, report);
  }

  /** Documents handed over early whose version detection settled differently (see the file header). */
  mismatched(): string[] {
    return [...this.differing];
  }

  /**
   * Detection's summary scans, with texts: the scan of the whole collection (content level) and the scan of
   * the unstaged chunks (flags level, which then also hashes what it reads: those are the documents the stage
   * commits, whose texts it needs anyway). Changed documents are handed over page by page.
   */
  override async scanSummaries(options: { where?: Where; withHashes: boolean; quiet?: boolean }, onPage: (page: PageSummary) => void): Promise<void> {
    const withTexts = { floor: this.sink.floor };
    const where = options.where;
    await this.pipelined(
      this.pageSize,
      (offset) =>
        this.source.summarizePage(
          this.name,
          { offset, limit: this.pageSize, withHashes: true, overlap: CHUNK_OVERLAP, withTexts, ...(where ? { where } : {}) },
          this.callOptions,
        ),
      async (page, offset, pages) => {
        await this.handOver(page);
        onPage(page);
        if (!options.quiet) this.report({ phase: 'read', pagesRead: pages, chunksRead: offset + page.records });
        return page.more;
      },
    );
  }

  override async recordsOf(docIds: string[], withText: boolean): Promise<ChunkRecord[]> {
    const records = await super.recordsOf(docIds, withText);
    // Without texts (the flags level) which version was looked up cannot be compared: a document handed over
    // that detection could not settle from the scan counts as differing, so the stage starts again (rare).
    if (!withText) for (const docId of docIds) if (this.emitted.has(docId)) this.differing.add(docId);
    if (withText && this.emitted.size > 0) {
      const found = toDocuments(records, true);
      for (const docId of docIds) {
        const handed = this.emitted.get(docId);
        if (handed !== undefined && found.get(docId)?.actualHash !== handed) this.differing.add(docId);
      }
    }
    return records;
  }

  /**
   * Hands a page's changed documents to the store: the versions whole within the page (their texts came with
   * the summaries, and are dropped from them here, so detection keeps none), and versions cut by page
   * boundaries once their carried records complete them.
   */
  private async handOver(page: PageSummary): Promise<void> {
    const wholes = new Map<string, Array<{ version: VersionSummary; text: string; meta: Metadata }>>();
    const found = (version: VersionSummary, text: string, meta: Metadata) => {
      const list = wholes.get(version.docId);
      if (list) list.push({ version, text, meta });
      else wholes.set(version.docId, [{ version, text, meta }]);
    };
    for (const version of page.versions) {
      if (version.text !== undefined) found(version, version.text, version.meta ?? {});
      // Cleared, not deleted: a deleted property would turn each summary detection keeps into a slow, larger object.
      version.text = undefined;
      version.meta = undefined;
    }
    if (page.partial.length > 0 || this.carried.size > 0) {
      const floor = this.sink.floor;
      const joined = summarizeRecords([...[...this.carried.values()].flat(), ...page.partial], true, CHUNK_OVERLAP, (version, text, meta, parts) => {
        if (mayBeUnstaged(version, parts.map((part) => part.meta), floor)) found(version, text, meta);
      });
      this.carried = new Map();
      for (const record of joined.partial) {
        const { docId } = versionOf(record.id, record.meta);
        const list = this.carried.get(docId);
        if (list) list.push(record);
        else this.carried.set(docId, [record]);
      }
    }
    const hashes = await this.sink.hashes;
    const upserts: DocumentRecord[] = [];
    for (const [docId, versions] of wholes) {
      // Two versions whole at once: detection looks the document up, and the stage fetches it then.
      if (versions.length > 1 || this.emitted.has(docId) || this.refusedEarly.has(docId)) continue;
      const { version, text, meta } = versions[0]!;
      // No hash (a version detection cannot vouch for) or the committed one: nothing to hand over.
      if (typeof version.hash !== 'string' || hashes.get(docId) === version.hash) continue;
      const metadata = ownMetadata(meta);
      const problem = storeRefusal(docId, text, metadata, this.sink.maxDocumentBytes);
      if (problem) {
        this.refusedEarly.set(docId, problem);
        continue;
      }
      upserts.push({ docId, content: text, contentHash: version.hash!, metadata });
      this.emitted.set(docId, version.hash!);
    }
    if (upserts.length > 0) await this.sink.write(upserts);
  }
}
