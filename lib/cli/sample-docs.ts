/**
 * The demo's bundled document set, generated (no downloads): short notes and a few long articles that span
 * several chunks, with some non-ASCII text. Deterministic, so every run starts from the same documents.
 */
import type { SourceDocument } from '../sync/documents.js';

const topics = ['executor', 'owner thread', 'GIL', 'deadline', 'backpressure', 'Dolt commit', 'Chroma collection', 'coalescing'];
const verbs = ['keeps', 'bounds', 'serialises', 'records', 'guards', 'measures', 'batches', 'restarts'];
const objects = ['the queue', 'every call', 'the session', 'a snapshot', 'the history', 'each chunk', 'the pool', 'a worker'];
const extras = ['Überprüfung', 'naïve café', '日本語のメモ', 'emoji ✅', 'Ελληνικά', 'résumé'];

function sentence(seed: number): string {
  const pick = <T>(list: T[], salt: number) => list[(seed * 31 + salt * 17) % list.length]!;
  return `The ${pick(topics, 1)} ${pick(verbs, 2)} ${pick(objects, 3)} (${pick(extras, 4)}).`;
}

export function sampleDocuments(count = 120): SourceDocument[] {
  return Array.from({ length: count }, (_, i) => {
    const long = i % 15 === 0; // every 15th document spans several 512-character chunks
    const sentences = long ? 40 : 3 + (i % 4);
    const body = Array.from({ length: sentences }, (_, k) => sentence(i * 7 + k)).join(' ');
    return {
      docId: `note-${String(i).padStart(3, '0')}`,
      content: `# Note ${i}\n\n${body}`,
      metadata: { title: `Note ${i}`, kind: long ? 'article' : 'note' },
    };
  });
}

/** The demo's edits: new text for some documents. */
export function editedDocuments(docs: SourceDocument[], every = 12): SourceDocument[] {
  return docs
    .filter((_, i) => i % every === 5)
    .map((doc) => ({ ...doc, content: `${doc.content}\n\nEdited on a later run: ${sentence(doc.docId.length * 13)}` }));
}
