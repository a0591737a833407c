/**
 * What one scale run measures, from the environment, so the same command serves a quick check (one small
 * corpus) and the full run (the demo's documents at 10,000 and 100,000, and a real corpus of ~10,000 files).
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export type CorpusSpec = { kind: 'demo'; documents: number } | { kind: 'real'; documents: number };

export interface ScaleConfig {
  corpora: CorpusSpec[];
  /** Repetitions of each cheap measurement (detect, plain reads, 1% stage, writes); medians are reported. */
  runs: number;
  /** Extra first stages of the whole corpus beyond the one made while populating (each takes minutes at 100k). */
  firstStageRuns: number;
  /** Chunks written in the write-throughput measurement: the first documents of the corpus that make this many. */
  writeChunks: number;
  /** Also measure the write into a copy of the populated corpus (SCALE_WRITE_INTO=0 skips it: it copies the corpus). */
  writeInto: boolean;
  /** Where populated corpora are kept between runs (outside the build output, so `npm run build` keeps them). */
  cacheDir: string;
  /** Scratch space for copies that a measurement changes. */
  scratchDir: string;
  /** The column these numbers fill in BENCHMARKS.md: `before` (main today) or `after` (with the changes). */
  label: string;
  /** Populate every corpus again even when the cache matches. */
  repopulate: boolean;
}

function list(name: string, fallback: string): number[] {
  const text = process.env[name] ?? fallback;
  return text
    .split(',')
    .map((part) => part.trim().replace(/_/g, ''))
    .filter((part) => part.length > 0)
    .map((part) => {
      const value = Number(part);
      if (!Number.isInteger(value) || value < 0) throw new Error(`${name}: "${part}" is not a whole number`);
      return value;
    });
}

function whole(name: string, fallback: number): number {
  const [value] = list(name, String(fallback));
  return value ?? fallback;
}

export function readConfig(): ScaleConfig {
  const corpora: CorpusSpec[] = [
    ...list('SCALE_DOCS', '10000,100000').filter((n) => n > 0).map((documents) => ({ kind: 'demo' as const, documents })),
    ...list('SCALE_REAL_FILES', '10000').filter((n) => n > 0).map((documents) => ({ kind: 'real' as const, documents })),
  ];
  return {
    corpora,
    runs: Math.max(1, whole('SCALE_RUNS', 3)),
    firstStageRuns: whole('SCALE_FIRST_STAGE_RUNS', 0),
    writeChunks: Math.max(1, whole('SCALE_WRITE_CHUNKS', 10_000)),
    writeInto: process.env['SCALE_WRITE_INTO'] !== '0',
    cacheDir: resolve(process.env['SCALE_CACHE'] ?? '.bench-cache/scale'),
    scratchDir: resolve(process.env['SCALE_SCRATCH'] ?? join(tmpdir(), 'scale-bench-scratch')),
    label: process.env['SCALE_LABEL'] ?? 'after',
    repopulate: process.env['SCALE_REPOPULATE'] === '1',
  };
}

export function corpusId(spec: CorpusSpec): string {
  return `${spec.kind}-${spec.documents}`;
}

export function corpusTitle(spec: CorpusSpec): string {
  return spec.kind === 'demo'
    ? `the demo's documents, ${spec.documents.toLocaleString('en')}`
    : `a real corpus of ${spec.documents.toLocaleString('en')} text files from this machine`;
}
