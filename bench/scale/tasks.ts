/** The operations a measuring child process runs, and the collection every corpus lives in. */
import type { CorpusSpec } from './config.js';

export const COLLECTION = 'scale';

/** The id prefix of the documents written into a populated corpus (so they are new there). */
export const WRITE_INTO_PREFIX = 'bench-write/';

export type Task =
  /**
   * Writes the corpus's documents (all, or the first `limit`) in calls of `perCall` documents, their ids
   * prefixed by `idPrefix` (new documents in a collection that holds the corpus already).
   */
  | { op: 'write'; chromaDir: string; corpus: CorpusSpec; limit?: number; perCall: number; idPrefix?: string }
  /** `directScan: false`: the embedded session scans through chromadb's get instead of reading its file. */
  | { op: 'detect'; chromaDir: string; storePath: string; verify?: 'flags'; directScan?: boolean }
  | { op: 'stage'; chromaDir: string; storePath: string; message: string }
  /** Applies the 1% edit (untimed preparation for a stage). */
  | { op: 'change'; chromaDir: string; storePath: string; corpus: CorpusSpec };

