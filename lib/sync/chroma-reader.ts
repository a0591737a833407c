/**
 * The Chroma reads and deletes of one sync call, counted: a stable page scan, lookups of documents by id, and
 * deletes by id, each operation at most `batchSize` records and each with the call's own deadline.
 */
import type { Chroma } from '../chroma/chroma.js';
import type { GetResult, PageSummary, Where } from '../chroma/types.js';
import { CHUNK_OVERLAP } from './chunking.js';
import type { CallOptions } from '../executor/options.js';
import { ownerOf, type ChunkRecord } from './documents.js';
import type { SyncProgress } from './chroma-dolt-sync.js';

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
   * Every record, by id, a page of `batchSize` at a time: ceil(records / batchSize) operations (one for none).
   * Each page asks for one record more than it keeps, so the last page is known without an empty read. A
   * record seen twice (another writer shifted the pages) is kept once; one never seen is the confirmation
   * lookup's business.
   */
  async scan(withText: boolean): Promise<Map<string, ChunkRecord>> {
    const records = new Map<string, ChunkRecord>();
    const include: Array<'documents' | 'metadatas'> = withText ? ['documents', 'metadatas'] : ['metadatas'];
    for (let offset = 0, pages = 1; ; offset += this.batchSize, pages++) {
      const page = await this.chroma.get(this.collection, { include, limit: this.batchSize + 1, offset }, this.call);
      this.ops++;
      const kept = Math.min(page.ids.length, this.batchSize);
      addRecords(records, page, kept);
      this.progress({ phase: 'read', pagesRead: pages, chunksRead: offset + kept });
      if (page.ids.length <= this.batchSize) return records;
    }
  }

  /**
   * Every record matching `where` (all by default), summarised by document version in the session one page of
   * `batchSize` at a time (see {@link Chroma.summarizePage}): ceil(records / batchSize) operations, one for none.
   * `onPage` sees each page before the next is asked for, so nothing but what it keeps stays in memory.
   */
  async scanSummaries(
    options: { where?: Where; withHashes: boolean },
    onPage: (page: PageSummary) => void,
  ): Promise<void> {
    for (let offset = 0, pages = 1; ; offset += this.batchSize, pages++) {
      const page = await this.chroma.summarizePage(
        this.collection,
        { offset, limit: this.batchSize, withHashes: options.withHashes, overlap: CHUNK_OVERLAP, ...(options.where ? { where: options.where } : {}) },
        this.call,
      );
      this.ops++;
      onPage(page);
      this.progress({ phase: 'read', pagesRead: pages, chunksRead: offset + page.records });
      if (!page.more) return;
    }
  }

  /**
   * The records (with texts) of the documents in `wanted`, by a page scan of the whole collection: cheaper than
   * lookups by id when they make up much of it (a first stage). ceil(records / batchSize) operations; only the
   * wanted records are kept.
   */
  async scanRecordsOf(wanted: ReadonlySet<string>): Promise<ChunkRecord[]> {
    const records = new Map<string, ChunkRecord>();
    for (let offset = 0, pages = 1; ; offset += this.batchSize, pages++) {
      const page = await this.chroma.get(this.collection, { include: ['documents', 'metadatas'], limit: this.batchSize + 1, offset }, this.call);
      this.ops++;
      const kept = Math.min(page.ids.length, this.batchSize);
      for (let i = 0; i < kept; i++) {
        const record = { id: page.ids[i]!, text: page.documents?.[i] ?? null, meta: page.metadatas?.[i] ?? {} };
        if (wanted.has(ownerOf(record))) records.set(record.id, record);
      }
      if (page.ids.length <= this.batchSize) return [...records.values()];
    }
  }

  /** Every record id, without texts or metadata, one page of `batchSize` at a time (as {@link scan}). */
  async scanIds(onPage: (ids: string[]) => void): Promise<void> {
    for (let offset = 0, pages = 1; ; offset += this.batchSize, pages++) {
      const page = await this.chroma.get(this.collection, { include: [], limit: this.batchSize + 1, offset }, this.call);
      this.ops++;
      const kept = Math.min(page.ids.length, this.batchSize);
      onPage(page.ids.length > kept ? page.ids.slice(0, kept) : page.ids);
      this.progress({ phase: 'read', pagesRead: pages, chunksRead: offset + kept });
      if (page.ids.length <= this.batchSize) return;
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
