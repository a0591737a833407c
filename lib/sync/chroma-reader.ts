/**
 * The Chroma reads and deletes of one sync call, counted: a stable page scan, lookups of documents by id, and
 * deletes by id, each operation with the call's own deadline.
 *
 * Page scans are pipelined: the next page is asked for before the current one is handled, so the session goes
 * from one page to the next without waiting for this thread (its reply, the hop between threads, the handling).
 * Each page waits behind at most one other, and the scan costs one operation more than its pages (the last
 * request finds nothing, or the last page was not yet known to be the last). A scan reads at most `batchSize`
 * records per operation; a scan of ids alone reads `ID_PAGE_FACTOR` times as many, because chromadb sorts the
 * whole collection for every page it serves (so pages of ids cost mostly that sort, and ten times fewer of them
 * cost a tenth), while an id costs a small part of what a record with its text and metadata does.
 */
import type { Chroma } from '../chroma/chroma.js';
import type { GetResult, PageSummary, Where } from '../chroma/types.js';
import { CHUNK_OVERLAP } from './chunking.js';
import type { CallOptions } from '../executor/options.js';
import { ownerOf, type ChunkRecord } from './documents.js';
import type { SyncProgress } from './chroma-dolt-sync.js';

/** How many times `batchSize` a page of ids alone holds (see the file header). */
export const ID_PAGE_FACTOR = 10;

export class ChromaReader {
  /** Chroma operations made so far. */
  ops = 0;

  constructor(
    private readonly chroma: Chroma,
    private readonly collection: string,
    private readonly batchSize: number,
    private readonly call: CallOptions,
    private readonly progress: (progress: SyncProgress) => void,
  ) {}

  /**
   * Every record, by id, a page of `batchSize` at a time: ceil(records / batchSize) + 1 operations. Each page
   * asks for one record more than it keeps, so the last page is known without an empty read. A record seen
   * twice (another writer shifted the pages) is kept once; one never seen is the confirmation lookup's business.
   */
  async scan(withText: boolean): Promise<Map<string, ChunkRecord>> {
    const records = new Map<string, ChunkRecord>();
    const include: Array<'documents' | 'metadatas'> = withText ? ['documents', 'metadatas'] : ['metadatas'];
    await this.pagesOf(include, this.batchSize, (page, kept) => addRecords(records, page, kept));
    return records;
  }

  /**
   * Every record matching `where` (all by default), summarised by document version in the session one page of
   * `batchSize` at a time (see {@link Chroma.summarizePage}): ceil(records / batchSize) + 1 operations.
   * `onPage` sees each page in order, so nothing but what it keeps stays in memory. Progress is reported
   * unless `quiet` (a scan running beside another that reports it).
   */
  async scanSummaries(
    options: { where?: Where; withHashes: boolean; quiet?: boolean },
    onPage: (page: PageSummary) => void,
  ): Promise<void> {
    const fetch = (offset: number) =>
      this.chroma.summarizePage(
        this.collection,
        {
          offset,
          limit: this.batchSize,
          withHashes: options.withHashes,
          overlap: CHUNK_OVERLAP,
          ...(options.where ? { where: options.where } : {}),
        },
        this.call,
      );
    await this.pipelined(this.batchSize, fetch, (page, offset, pages) => {
      onPage(page);
      if (!options.quiet) this.progress({ phase: 'read', pagesRead: pages, chunksRead: offset + page.records });
      return page.more;
    });
  }

  /**
   * The records (with texts) of the documents in `wanted`, by a page scan of the whole collection: cheaper than
   * lookups by id when they make up much of it (a first stage). ceil(records / batchSize) + 1 operations; only
   * the wanted records are kept.
   */
  async scanRecordsOf(wanted: ReadonlySet<string>): Promise<ChunkRecord[]> {
    const records = new Map<string, ChunkRecord>();
    await this.pagesOf(['documents', 'metadatas'], this.batchSize, (page, kept) => {
      for (let i = 0; i < kept; i++) {
        const record = { id: page.ids[i]!, text: page.documents?.[i] ?? null, meta: page.metadatas?.[i] ?? {} };
        if (wanted.has(ownerOf(record))) records.set(record.id, record);
      }
    });
    return [...records.values()];
  }

  /**
   * Every record id, without texts or metadata, in pages of `batchSize * ID_PAGE_FACTOR` (see the file header):
   * ceil(records / (batchSize * ID_PAGE_FACTOR)) + 1 operations.
   */
  async scanIds(onPage: (ids: string[]) => void): Promise<void> {
    await this.pagesOf([], this.batchSize * ID_PAGE_FACTOR, (page, kept) => onPage(page.ids.length > kept ? page.ids.slice(0, kept) : page.ids));
  }

  /** Pages of raw records, each asking for one record more than it keeps (so the last page is known). */
  private async pagesOf(
    include: Array<'documents' | 'metadatas'>,
    pageSize: number,
    onPage: (page: GetResult, kept: number) => void,
  ): Promise<void> {
    const fetch = (offset: number) => this.chroma.get(this.collection, { include, limit: pageSize + 1, offset }, this.call);
    await this.pipelined(pageSize, fetch, (page, offset, pages) => {
      const kept = Math.min(page.ids.length, pageSize);
      onPage(page, kept);
      this.progress({ phase: 'read', pagesRead: pages, chunksRead: offset + kept });
      return page.ids.length > pageSize;
    });
  }

  /**
   * Pages at offsets `from`, `from` + pageSize ... until `handle` says none follows, each asked for before the
   * previous one is handled (see the file header). Every request is counted, and waited for: the last one,
   * unneeded, too (its failure is not the scan's), so no operation of the scan is left running after it.
   */
  protected async pipelined<P>(
    pageSize: number,
    fetch: (offset: number) => Promise<P>,
    handle: (page: P, offset: number, pages: number) => boolean | Promise<boolean>,
    from = 0,
  ): Promise<void> {
    const ask = (offset: number) => {
      this.ops++;
      const request = fetch(offset);
      request.catch(() => {}); // awaited later: a failure meanwhile must not count as an unhandled rejection
      return request;
    };
    let current = ask(from);
    for (let offset = from, pages = from / pageSize + 1; ; offset += pageSize, pages++) {
      const next = ask(offset + pageSize);
      let more: boolean;
      try {
        more = await handle(await current, offset, pages);
      } catch (error) {
        await next.catch(() => {});
        throw error;
      }
      if (!more) {
        await next.catch(() => {});
        return;
      }
      current = next;
    }
  }

  /**
   * The records of documents: their chunks (by `source_id`) and any record whose id is a document id. One
   * operation by id, plus one per `batchSize` document ids by `source_id`.
   */
  async recordsOf(docIds: string[], withText: boolean): Promise<ChunkRecord[]> {
    if (docIds.length === 0) return [];
    const include: Array<'documents' | 'metadatas'> = withText ? ['documents', 'metadatas'] : ['metadatas'];
    // Sent in the same tick, so they travel to the session in one message.
    const lookups = [this.chroma.get(this.collection, { ids: docIds, include }, this.call)];
    for (let start = 0; start < docIds.length; start += this.batchSize) {
      const part = docIds.slice(start, start + this.batchSize);
      lookups.push(this.chroma.get(this.collection, { where: { source_id: { $in: part } }, include }, this.call));
    }
    const pages = await Promise.all(lookups);
    this.ops += pages.length;
    const records = new Map<string, ChunkRecord>();
    for (const page of pages) addRecords(records, page, page.ids.length);
    return [...records.values()];
  }

  /**
   * The records of changed documents, to stage them: library documents by `source_id` in groups of at most
   * `batchSize` chunks (one operation each), plus one lookup by id of the documents that may be records
   * another tool wrote. All are sent in the same tick, so they travel to the session in one message.
   */
  async recordsToStage(groups: string[][], byId: string[]): Promise<ChunkRecord[]> {
    const include: Array<'documents' | 'metadatas'> = ['documents', 'metadatas'];
    const lookups = groups.map((group) => this.chroma.get(this.collection, { where: { source_id: { $in: group } }, include }, this.call));
    if (byId.length > 0) lookups.push(this.chroma.get(this.collection, { ids: byId, include }, this.call));
    const pages = await Promise.all(lookups);
    this.ops += pages.length;
    const records = new Map<string, ChunkRecord>();
    for (const page of pages) addRecords(records, page, page.ids.length);
    return [...records.values()];
  }

  /** The records one write made (its `write_id`), metadata only: one operation. */
  async recordsOfWrite(writeId: number): Promise<ChunkRecord[]> {
    const page = await this.chroma.get(this.collection, { where: { write_id: writeId }, include: ['metadatas'] }, this.call);
    this.ops++;
    const records = new Map<string, ChunkRecord>();
    addRecords(records, page, page.ids.length);
    return [...records.values()];
  }

  /** Deletes records by id: one operation per `batchSize` ids, none for none. */
  async deleteIds(ids: string[]): Promise<void> {
    for (let start = 0; start < ids.length; start += this.batchSize) {
      await this.chroma.delete(this.collection, { ids: ids.slice(start, start + this.batchSize) }, this.call);
      this.ops++;
    }
  }
}

function addRecords(into: Map<string, ChunkRecord>, page: GetResult, count: number): void {
  for (let i = 0; i < count; i++) {
    const id = page.ids[i]!;
    into.set(id, { id, text: page.documents?.[i] ?? null, meta: page.metadatas?.[i] ?? {} });
  }
}
