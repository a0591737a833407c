import type { DocumentChange } from './version-store.js';

/** One row of `dolt_diff_documents`: a document's change in one commit against its parent. */
export interface DiffRow {
  to_commit: string;
  from_doc_id: string | null;
  to_doc_id: string | null;
  from_collection_name: string | null;
  to_collection_name: string | null;
  from_content_hash: string | null;
  to_content_hash: string | null;
}

/**
 * Folds per-commit diff rows of a linear range (`range`: commit hashes oldest first) into one change per
 * document: the state before the first commit against the state after the last. A document added and removed
 * within the range, or changed and changed back, is no change.
 */
export function foldDiffRows(rows: DiffRow[], range: string[]): DocumentChange[] {
  const position = new Map(range.map((hash, i) => [hash, i]));
  const ordered = [...rows].sort((a, b) => position.get(a.to_commit)! - position.get(b.to_commit)!);
  const folded = new Map<string, { docId: string; collection: string; fromHash: string | null; toHash: string | null }>();
  for (const row of ordered) {
    const docId = (row.to_doc_id ?? row.from_doc_id)!;
    const collection = (row.to_collection_name ?? row.from_collection_name)!;
    const key = JSON.stringify([collection, docId]);
    const seen = folded.get(key);
    if (seen) seen.toHash = row.to_content_hash;
    else folded.set(key, { docId, collection, fromHash: row.from_content_hash, toHash: row.to_content_hash });
  }
  const changes: DocumentChange[] = [];
  for (const change of folded.values()) {
    if (change.fromHash === change.toHash) continue;
    const type = change.fromHash === null ? 'added' : change.toHash === null ? 'removed' : 'modified';
    changes.push({ ...change, type });
  }
  return changes;
}
