/**
 * Runs the measured operations of one corpus, each in a fresh process (a Node child for the library, a Python
 * process for the plain-chromadb baselines), and returns their medians. Runs of the library and of its
 * baseline alternate, so a burst of load from other jobs on the machine hits both sides alike.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolvePython } from '../../lib/python/discovery.js';
import { hashEmbedder } from '../../lib/chroma/hash-embedder.js';
import { chunkText } from '../../lib/sync/chunking.js';
import { toChunkRecords } from '../../lib/sync/documents.js';
import { ensureCorpusCache, type CorpusCache } from './cache.js';
import { runChild, runPlain } from './processes.js';
import { COLLECTION, WRITE_INTO_PREFIX } from './tasks.js';
import { corpusId, type CorpusSpec, type ScaleConfig } from './config.js';
import { loadCorpus } from './corpora.js';
import { snapshotFolder } from '../../lib/dolt/hash-snapshot.js';

export interface CorpusMetrics {
  documents: number;
  chunks: number;
  textMiB: number;
  skippedFiles: number;
  maxBatchSize: number;
  runs: number;
  /** Whether a detect on the staged corpus found nothing, as it must. */
  cleanAfterStage: boolean;
  plainReadFullMs: number;
  plainReadIdsMs: number;
  detectMs: number;
  detectOps: number;
  /** The same detect with no hash snapshot beside the store (the first read after the store changed); absent in older results. */
  detectColdMs?: number;
  /** The same detect scanning through chromadb's get (`directScan: false`); absent in older results. */
  detectGetMs?: number;
  detectPeakMiB: number;
  /** null when the library has no `verify` option (it ran its only level). */
  detectFlagsMs: number | null;
  detectFlagsOps: number | null;
  detectFlagsPeakMiB: number | null;
  stageChange: { modified: number; deleted: number };
  stageMs: number;
  stageOps: number;
  stagePeakMiB: number;
  /** A detect of the same changed collection, in its own process, before the stage. */
  stageDetectMs: number;
  stageCommitMs: number;
  firstStageMs: number;
  firstStageAfterCommitMs: number;
  firstStageOps: number;
  firstStagePeakMiB: number;
  firstStageRuns: number;
  populateChunksPerSec: number;
  writeDocuments: number;
  writeChunks: number;
  writeChunksPerSec: number;
  plainAddPerSec: number;
  /** CPU seconds of the write into an empty collection (absent in older results): the library's Node process and Python host; plain's Python. */
  writeCpu?: { nodeS: number; hostS: number; plainS: number };
  /** The same write (same documents under new ids) into a copy of the populated corpus; null when skipped, absent in older results. */
  writeIntoChunksPerSec?: number | null;
  plainAddIntoPerSec?: number | null;
  /** Every run's value behind the medians above (times in ms), to judge the spread on a noisy machine. */
  samples: Record<string, number[]>;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const perSecond = (run: { ms: number; records: number }) => run.records / (run.ms / 1000);

function log(message: string): void {
  process.stderr.write(`scale: ${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

export async function measureCorpus(spec: CorpusSpec, config: ScaleConfig): Promise<CorpusMetrics> {
  const id = corpusId(spec);
  const python = await resolvePython(undefined);
  const cache: CorpusCache = await ensureCorpusCache(spec, config, log);
  const scratch = join(config.scratchDir, id);
  const staged = { chromaDir: cache.stagedChroma, storePath: cache.stagedStore };

  // Extra first stages of the whole corpus, each on a fresh copy of the written-but-unstaged corpus.
  const firstStages = [cache.firstStage];
  for (let r = 0; r < config.firstStageRuns; r++) {
    rmSync(scratch, { recursive: true, force: true });
    cpSync(cache.unstagedChroma, join(scratch, 'chroma'), { recursive: true });
    log(`${id}: first stage, extra run ${r + 1}`);
    firstStages.push(runChild({ op: 'stage', chromaDir: join(scratch, 'chroma'), storePath: join(scratch, 'store.doltlite'), message: 'scale: first stage' }));
  }

  const detects: Array<Record<string, any>> = [];
  const coldDetects: Array<Record<string, any>> = [];
  const getDetects: Array<Record<string, any>> = [];
  const flagDetects: Array<Record<string, any>> = [];
  const plainFull: number[] = [];
  const plainIds: number[] = [];
  let flagsSupported = true;
  for (let r = 0; r < config.runs; r++) {
    log(`${id}: detect and plain reads, run ${r + 1}/${config.runs}`);
    // Alternate which goes first (plain, detect, detect, plain, ...), so neither gains from its place in the run.
    const plainFirst = r % 2 === 1;
    const page = String(cache.firstStage['maxBatchSize']); // the page the library reads by: the session's batch size
    const readPlain = () => plainFull.push(runPlain(python, ['read', cache.stagedChroma, COLLECTION, page, 'full']).ms);
    // First without the store's hash snapshot (as after any change to the store), which that detect records;
    // then the measured detect, which finds it (as every later detect of an unchanged store does).
    rmSync(snapshotFolder(cache.stagedStore), { recursive: true, force: true });
    coldDetects.push(runChild({ op: 'detect', ...staged }));
    if (plainFirst) readPlain();
    detects.push(runChild({ op: 'detect', ...staged }));
    if (!plainFirst) readPlain();
    getDetects.push(runChild({ op: 'detect', ...staged, directScan: false }));
    plainIds.push(runPlain(python, ['read', cache.stagedChroma, COLLECTION, page, 'ids']).ms);
    if (flagsSupported) {
      const result = runChild({ op: 'detect', ...staged, verify: 'flags' });
      if (result['verify'] === null) flagsSupported = false;
      else flagDetects.push(result);
    }
  }
  const clean = detects.every((d) => d['found'].added + d['found'].modified + d['found'].deleted + d['found'].incomplete === 0);

  const stages: Array<Record<string, any>> = [];
  const stageDetects: Array<Record<string, any>> = [];
  let change = { modified: 0, deleted: 0 };
  for (let r = 0; r < config.runs; r++) {
    log(`${id}: stage of a 1% change, run ${r + 1}/${config.runs}`);
    rmSync(scratch, { recursive: true, force: true });
    cpSync(cache.stagedChroma, join(scratch, 'chroma'), { recursive: true });
    cpSync(cache.stagedStore, join(scratch, 'store.doltlite'));
    const copy = { chromaDir: join(scratch, 'chroma'), storePath: join(scratch, 'store.doltlite') };
    change = runChild({ op: 'change', ...copy, corpus: spec });
    stageDetects.push(runChild({ op: 'detect', ...copy }));
    stages.push(runChild({ op: 'stage', ...copy, message: 'scale: 1% change' }));
  }

  // Write throughput: the library's writeDocuments vs plain chromadb add of the same chunk records with the same
  // embeddings (the library computes them on the caller's side with the same embedder).
  const { docs } = await loadCorpus(spec);
  let sampleSize = 0;
  for (let chunks = 0; sampleSize < docs.length && chunks < config.writeChunks; sampleSize++) chunks += chunkText(docs[sampleSize]!.content).length;
  const sample = docs.slice(0, sampleSize);
  const records = toChunkRecords(sample, 1);
  const embeddings = hashEmbedder()(records.documents);
  mkdirSync(config.scratchDir, { recursive: true });
  const recordsFile = join(config.scratchDir, `${id}-records.json`);
  writeFileSync(recordsFile, JSON.stringify({ ids: records.ids, documents: records.documents, metadatas: records.metadatas, embeddings }));
  const writes: Array<Record<string, any>> = [];
  const adds: Array<{ ms: number; records: number; cpuS: number }> = [];
  for (let r = 0; r < config.runs; r++) {
    log(`${id}: write throughput, run ${r + 1}/${config.runs}`);
    rmSync(scratch, { recursive: true, force: true });
    writes.push(runChild({ op: 'write', chromaDir: join(scratch, 'library'), corpus: spec, limit: sample.length, perCall: sample.length }));
    adds.push(runPlain(python, ['add', join(scratch, 'plain'), COLLECTION, String(writes[0]!['maxBatchSize']), recordsFile]) as (typeof adds)[number]);
  }
  // The same write into a collection that holds the whole corpus already (the documents under new ids), each
  // side into its own copy of the staged corpus: does writing slow down as the collection grows?
  const writesInto: Array<Record<string, any>> = [];
  const addsInto: Array<{ ms: number; records: number }> = [];
  if (config.writeInto) {
    const into = toChunkRecords(sample.map((doc) => ({ ...doc, docId: WRITE_INTO_PREFIX + doc.docId })), 1);
    writeFileSync(recordsFile, JSON.stringify({ ids: into.ids, documents: into.documents, metadatas: into.metadatas, embeddings }));
    for (let r = 0; r < config.runs; r++) {
      log(`${id}: write throughput into the populated corpus, run ${r + 1}/${config.runs}`);
      rmSync(scratch, { recursive: true, force: true });
      cpSync(cache.stagedChroma, join(scratch, 'library'), { recursive: true });
      const task = { op: 'write' as const, chromaDir: join(scratch, 'library'), corpus: spec, limit: sample.length, perCall: sample.length };
      writesInto.push(runChild({ ...task, idPrefix: WRITE_INTO_PREFIX }));
      rmSync(join(scratch, 'library'), { recursive: true, force: true });
      cpSync(cache.stagedChroma, join(scratch, 'plain'), { recursive: true });
      addsInto.push(runPlain(python, ['add', join(scratch, 'plain'), COLLECTION, String(writes[0]!['maxBatchSize']), recordsFile]));
    }
  }
  rmSync(scratch, { recursive: true, force: true });
  rmSync(recordsFile, { force: true });

  const samples: Record<string, number[]> = {
    plainReadFullMs: plainFull,
    plainReadIdsMs: plainIds,
    detectMs: detects.map((d) => d['ms']),
    detectFlagsMs: flagDetects.map((d) => d['ms']),
    detectColdMs: coldDetects.map((d) => d['ms']),
    detectGetMs: getDetects.map((d) => d['ms']),
    detectPeakMiB: detects.map((d) => d['rss'].peakMiB),
    stageDetectMs: stageDetects.map((d) => d['ms']),
    stageMs: stages.map((d) => d['ms']),
    stageCommitMs: stages.map((d) => d['commitMs']),
    stagePeakMiB: stages.map((d) => d['rss'].peakMiB),
    writeChunksPerSec: writes.map((w) => w['chunks'] / (w['ms'] / 1000)),
    plainAddPerSec: adds.map(perSecond),
    writeNodeCpuS: writes.map((w) => w['cpu']?.nodeS ?? NaN),
    writeHostCpuS: writes.map((w) => w['cpu']?.hostS ?? NaN),
    plainAddCpuS: adds.map((a) => a.cpuS),
    writeIntoChunksPerSec: writesInto.map((w) => w['chunks'] / (w['ms'] / 1000)),
    plainAddIntoPerSec: addsInto.map(perSecond),
  };
  const pick = (list: Array<Record<string, any>>, key: string) => median(list.map((x) => Number(x[key])));
  const peak = (list: Array<Record<string, any>>) => median(list.map((x) => Number(x['rss'].peakMiB)));
  return {
    documents: cache.write['documents'],
    chunks: detects[0]!['chunks'],
    textMiB: cache.write['textBytes'] / 2 ** 20,
    skippedFiles: cache.skipped,
    maxBatchSize: detects[0]!['maxBatchSize'],
    runs: config.runs,
    cleanAfterStage: clean,
    plainReadFullMs: median(plainFull),
    plainReadIdsMs: median(plainIds),
    detectMs: pick(detects, 'ms'),
    detectOps: pick(detects, 'sessionOps'),
    detectColdMs: pick(coldDetects, 'ms'),
    detectGetMs: pick(getDetects, 'ms'),
    detectPeakMiB: peak(detects),
    detectFlagsMs: flagDetects.length ? pick(flagDetects, 'ms') : null,
    detectFlagsOps: flagDetects.length ? pick(flagDetects, 'sessionOps') : null,
    detectFlagsPeakMiB: flagDetects.length ? peak(flagDetects) : null,
    stageChange: change,
    stageMs: pick(stages, 'ms'),
    stageOps: pick(stages, 'sessionOps'),
    stagePeakMiB: peak(stages),
    stageDetectMs: pick(stageDetects, 'ms'),
    stageCommitMs: pick(stages, 'commitMs'),
    firstStageMs: pick(firstStages, 'ms'),
    firstStageAfterCommitMs: pick(firstStages, 'afterCommitMs'),
    firstStageOps: pick(firstStages, 'sessionOps'),
    firstStagePeakMiB: peak(firstStages),
    firstStageRuns: firstStages.length,
    populateChunksPerSec: cache.write['chunks'] / (cache.write['ms'] / 1000),
    writeDocuments: sample.length,
    writeChunks: records.ids.length,
    writeChunksPerSec: median(samples['writeChunksPerSec']!),
    plainAddPerSec: median(samples['plainAddPerSec']!),
    writeCpu: { nodeS: median(samples['writeNodeCpuS']!), hostS: median(samples['writeHostCpuS']!), plainS: median(samples['plainAddCpuS']!) },
    writeIntoChunksPerSec: writesInto.length ? median(samples['writeIntoChunksPerSec']!) : null,
    plainAddIntoPerSec: addsInto.length ? median(samples['plainAddIntoPerSec']!) : null,
    samples: Object.fromEntries(Object.entries(samples).map(([key, values]) => [key, values.map((v) => Math.round(v * 10) / 10)])),
  };
}
