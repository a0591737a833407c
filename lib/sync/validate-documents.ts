/**
 * Checks documents before `writeDocuments` touches Chroma: the same id, content and size rules the version
 * stores apply when staging (so a document Chroma took can always be staged), plus what Chroma needs (scalar
 * metadata) and what the sync layer reserves (chunk-id-shaped document ids, its own metadata keys).
 */
import { invalidChange } from '../dolt/errors.js';
import { checkContent, checkDocumentId, checkDocumentSize, checkMetadata } from '../dolt/validate-changes.js';
import { isReservedDocId } from './chunking.js';
import { SYNC_KEYS, type SourceDocument } from './documents.js';

const SYNC_KEY_SET: ReadonlySet<string> = new Set(SYNC_KEYS);

/** The metadata key chromadb keeps for a record's text (it refuses it in metadata). */
const CHROMA_DOCUMENT_KEY = 'chroma:document';

/**
 * Whether Chroma takes `key` as a metadata key: chromadb refuses an empty key, keys starting with "$" or "#"
 * (its filter operators) and its own document key. Checked here so that such a write is refused whole before
 * anything is written, not by Chroma in the middle of a write of many operations.
 */
function isChromaMetadataKey(key: string): boolean {
  return key.length > 0 && key[0] !== '$' && key[0] !== '#' && key !== CHROMA_DOCUMENT_KEY;
}

const DOCUMENT_KEYS: ReadonlySet<string> = new Set(['docId', 'content', 'metadata']);

/**
 * A misspelt key (`meta`, `metdata`, `text`) would otherwise be dropped without a word: the document written
 * without its metadata, and a later stage committing it so. (A for-in loop: no array per document.)
 */
function checkDocumentKeys(doc: object, index: number): void {
  for (const key in doc) {
    if (!DOCUMENT_KEYS.has(key)) {
      throw invalidChange(`document ${index}: unknown key ${JSON.stringify(key.slice(0, 64))}; a document has docId, content and metadata`, { field: key, index });
    }
  }
}

/**
 * Throws InvalidChangeError (or DocumentTooLargeError) for the first bad document; nothing is written.
 * `restoring`: the documents come from a commit (a checkout's write), which may hold chunk-shaped ids: a record
 * another tool named so is staged as a document of its own, and what was committed must check out again.
 */
export function validateDocuments(docs: SourceDocument[], maxDocumentBytes: number | undefined, restoring = false): void {
  if (!Array.isArray(docs)) throw invalidChange('documents must be an array');
  const seen = new Set<string>();
  docs.forEach((doc, index) => {
    if (typeof doc !== 'object' || doc === null) throw invalidChange(`document ${index} is not an object`, { index });
    if (!restoring) checkDocumentKeys(doc, index);
    checkDocumentId(doc.docId, index);
    if (!restoring && isReservedDocId(doc.docId)) {
      throw invalidChange(
        `document ${index}: ids ending in "_chunk_<n>" are reserved for chunk ids (adopt a collection that uses them with adoptCollection)`,
        { field: 'docId', index },
      );
    }
    if (seen.has(doc.docId)) throw invalidChange(`document ${index}: the id appears twice in one write`, { field: 'docId', index });
    seen.add(doc.docId);
    checkContent(doc.content, index);
    const metadata = doc.metadata ?? {};
    const json = checkMetadata(metadata, index);
    for (const [key, value] of Object.entries(metadata)) {
      if (SYNC_KEY_SET.has(key)) throw invalidChange(`document ${index}: metadata key "${key}" is the sync layer's own`, { field: 'metadata', index });
      if (!isChromaMetadataKey(key)) {
        throw invalidChange(`document ${index}: metadata keys must be non-empty, must not start with "$" or "#" and must not be "${CHROMA_DOCUMENT_KEY}" (Chroma refuses them)`, {
          field: 'metadata',
          index,
        });
      }
      if (value !== null && typeof value === 'object') throw invalidChange(`document ${index}: metadata values must be scalars`, { field: 'metadata', index });
    }
    checkDocumentSize(doc.content, json, index, maxDocumentBytes);
  });
}

