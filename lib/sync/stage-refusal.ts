/** Why the version store would refuse a document read from Chroma, decided before it is handed to the store. */
import type { Metadata } from '../chroma/types.js';
import { checkDocumentId, checkDocumentSize, checkMetadata } from '../dolt/validate-changes.js';

/**
 * The error code the store would refuse the document with (`ERR_STORE_INVALID_CHANGE`,
 * `ERR_STORE_DOCUMENT_TOO_LARGE`), or null: such a document is listed in `refused` and left out of the commit,
 * so one bad document never blocks a stage.
 */
export function storeRefusal(docId: string, content: string, metadata: Metadata, maxDocumentBytes: number | undefined): string | null {
  try {
    checkDocumentId(docId, 0);
    checkDocumentSize(content, checkMetadata(metadata, 0), 0, maxDocumentBytes);
    return null;
  } catch (error) {
    return (error as { code: string }).code;
  }
}
