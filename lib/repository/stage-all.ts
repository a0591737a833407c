/**
 * Commits the whole working copy in one commit: collections created, deleted or given new metadata, and the
 * documents added, modified or deleted in every collection. Changed documents are read back from Chroma (one
 * `get` per page of their chunks), written with the collection rows in one store transaction, and committed
 * once. No chunk is rewritten: the caller records each collection's stage floor once the commit stands.
 */
import type { Chroma } from '../chroma/chroma.js';
import type { StageAllChanges, VersioningStore } from '../dolt/versioning.js';
import type { WorkingCopyStatus } from './working-copy.js';
import { readChromaDocuments } from './working-copy.js';

export async function commitWorkingCopy(
  chroma: Chroma,
  versioning: VersioningStore,
  status: WorkingCopyStatus,
  message: string,
): Promise<string | null> {
  if (status.clean) return null;
  const changes: StageAllChanges = { upsertCollections: [], deleteCollections: [], upsertDocuments: [], deleteDocuments: [], message };
  for (const c of status.collections) {
    if (c.state === 'deleted') {
      changes.deleteCollections.push(c.name);
      continue;
    }
    if (c.state === 'created' || c.state === 'metadata') changes.upsertCollections.push({ name: c.name, metadata: c.metadata ?? {} });
    for (const docId of c.deleted) changes.deleteDocuments.push({ collection: c.name, docId });
    const docs = await readChromaDocuments(chroma, c.name, [...c.added, ...c.modified]);
    for (const doc of docs.values()) {
      // A document damaged or rewritten since detection is left for the next commit.
      if (doc.content === null || doc.actualHash === null) continue;
      changes.upsertDocuments.push({ collection: c.name, docId: doc.docId, content: doc.content, contentHash: doc.actualHash, metadata: doc.metadata });
    }
  }
  return versioning.stageAll(changes);
}
