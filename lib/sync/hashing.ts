import { createHash } from 'node:crypto';

/** SHA-256 of the UTF-8 content, lowercase hex: the `content_hash` in Chroma metadata and in Dolt. */
export function contentHash(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}
