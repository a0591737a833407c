/**
 * Adopting records another tool (or an older system) wrote: which records become which documents, and the
 * metadata that makes them the library's. Pure: the sync class reads and writes.
 */
import type { Metadata } from '../chroma/types.js';
import { checkDocumentId } from '../dolt/validate-changes.js';
import { isReservedDocId, joinChunks, parseLegacyChunkId } from './chunking.js';
import { isLibraryRecord, ownMetadata, type ChunkRecord } from './documents.js';
import { documentHash } from './hashing.js';
import { LATE_WRITE_KEY } from './stage-floor.js';

export interface AdoptResult {
  /** Document ids now carrying the library's metadata. */
  adopted: string[];
  /** Record ids left as they were (a chunk group with gaps, an id taken, a record without text). */
  skipped: string[];
  /** Chroma session operations used. */
  sessionOps: number;
}

export interface AdoptPlan {
  adopted: string[];
  skipped: string[];
  /** Record ids to update, with their new metadata (merged into what they have). */
  ids: string[];
  metadatas: Metadata[];
}

/** Whether a document id may be written through the library (so adopting it leads somewhere). */
function adoptable(docId: string): boolean {
  try {
    checkDocumentId(docId, 0);
  } catch {
    return false;
  }
  return !isReservedDocId(docId);
}

/**
 * Which records become which documents. `version` is stamped as their `late_write`: adopted records have no
 * write id (0), and are unstaged until a stage that started after the adoption commits them.
 */
export function adoptRecords(records: Iterable<ChunkRecord>, version: number): AdoptPlan {
  const taken = new Set<string>();
  const groups = new Map<string, Array<{ record: ChunkRecord; index: number }>>();
  const singles: ChunkRecord[] = [];
  for (const record of records) {
    if (isLibraryRecord(record.meta)) {
      taken.add(record.meta['source_id'] as string);
      continue;
    }
    const legacy = parseLegacyChunkId(record.id);
    if (!legacy) {
      singles.push(record);
      continue;
    }
    let group = groups.get(legacy.docId);
    if (!group) groups.set(legacy.docId, (group = []));
    group.push({ record, index: legacy.index });
  }
  const plan: AdoptPlan = { adopted: [], skipped: [], ids: [], metadatas: [] };
  const adopt = (docId: string, parts: ChunkRecord[]) => {
    // Adopted records keep their metadata, which is part of the version (chunk 0's, as detection reads it).
    const hash = documentHash(joinChunks(parts.map((part) => part.text!)), ownMetadata(parts[0]!.meta));
    parts.forEach((part, index) => {
      plan.ids.push(part.id);
      plan.metadatas.push({
        source_id: docId,
        chunk_index: index,
        total_chunks: parts.length,
        content_hash: hash,
        is_local_change: true,
        write_id: 0,
        [LATE_WRITE_KEY]: version,
      });
    });
    plan.adopted.push(docId);
  };
  for (const record of singles) {
    if (record.text === null || taken.has(record.id) || groups.has(record.id) || !adoptable(record.id)) plan.skipped.push(record.id);
    else adopt(record.id, [record]);
  }
  const singleIds = new Set(singles.map((single) => single.id));
  for (const [docId, group] of groups) {
    group.sort((a, b) => a.index - b.index);
    const whole = group.every((part, i) => part.index === i && part.record.text !== null);
    if (!whole || taken.has(docId) || !adoptable(docId) || singleIds.has(docId)) {
      plan.skipped.push(...group.map((part) => part.record.id));
    } else {
      adopt(docId, group.map((part) => part.record));
    }
  }
  return plan;
}
