/**
 * The "Sync at real size" section of BENCHMARKS.md: one table per corpus with the goal of each row and a column
 * per labelled run (`before` = main before the changes, `after` = with them), from bench/scale/results.json.
 * The section sits between markers and is replaced in place, so the rest of the file is left alone.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { corpusTitle, type CorpusSpec } from './config.js';
import type { CorpusMetrics } from './measure.js';

export interface CorpusRun {
  spec: CorpusSpec;
  metrics: CorpusMetrics;
  measuredAt: string;
  /** The commit measured, and whether the library's code had uncommitted changes. */
  commit: string;
  /** Load averages (1 min) when the corpus's measurements started and ended: how busy the shared machine was. */
  load: { start: number; end: number } | null;
}

export interface LabelledRun {
  machine: string;
  node: string;
  corpora: Record<string, CorpusRun>;
}

export type Results = Record<string, LabelledRun>;

const BEGIN = '<!-- scale-bench:begin (written by npm run bench:scale; do not edit by hand) -->';
const END = '<!-- scale-bench:end -->';
const LABELS = ['before', 'after'];

const seconds = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const ratio = (value: number) => `${value.toFixed(2)}x`;
const mib = (value: number) => `${Math.round(value)} MiB`;
const cpuSeconds = (value: number) => `${value.toFixed(2)} s`;
const perSec = (value: number) => `${Math.round(value).toLocaleString('en')}/s`;
/** Whether a value meets its goal, shown beside it; `null` where the goal does not apply at this size. */
const mark = (met: boolean | null) => (met === null ? '' : met ? ' ✓' : ' ✗');
const ceilOps = (m: CorpusMetrics) => Math.ceil(m.chunks / m.maxBatchSize);
/**
 * The op-count goal's constants. Detect: the pipelined request past the last page and at most 2 lookups by id
 * of what the scan could not settle. A stage adds its 3 marker operations and 1 fetch by id of what its scan
 * could not hand over.
 */
const OPS_CONSTANT = 3;
const STAGE_OPS_CONSTANT = 7;
const opsCell = (ops: number, m: CorpusMetrics, constant = OPS_CONSTANT) => `${ops}${mark(ops <= ceilOps(m) + constant)}`;

type Row = [measure: string, goal: string, cell: (m: CorpusMetrics) => string];

const rows: Row[] = [
  ['plain-Python paged read: ids, texts, metadata', 'reference', (m) => seconds(m.plainReadFullMs)],
  ['plain-Python paged read: ids only', 'reference', (m) => `${seconds(m.plainReadIdsMs)} (${ratio(m.plainReadIdsMs / m.plainReadFullMs)})`],
  ['detect, nothing changed, default level (the store unchanged since an earlier read)', '≤ 1.1x plain read', (m) => `${seconds(m.detectMs)} = **${ratio(m.detectMs / m.plainReadFullMs)}**${mark(m.detectMs <= 1.1 * m.plainReadFullMs)}${m.cleanAfterStage ? '' : ' (found changes!)'}`],
  [
    'detect, nothing changed, default level, first read since the store changed (no hash snapshot)',
    '≤ 1.1x plain read',
    (m) => (m.detectColdMs === undefined ? 'n/a (no snapshots)' : `${seconds(m.detectColdMs)} = **${ratio(m.detectColdMs / m.plainReadFullMs)}**${mark(m.detectColdMs <= 1.1 * m.plainReadFullMs)}`),
  ],
  [
    "detect, nothing changed, default level, scanning through chromadb's get (`directScan: false`)",
    'reference',
    (m) => (m.detectGetMs === undefined ? 'n/a' : `${seconds(m.detectGetMs)} = ${ratio(m.detectGetMs / m.plainReadFullMs)}`),
  ],
  [
    "detect, nothing changed, `verify: 'flags'`",
    '≤ 0.3x plain read',
    (m) => (m.detectFlagsMs === null ? 'n/a (no such option)' : `${seconds(m.detectFlagsMs)} = **${ratio(m.detectFlagsMs / m.plainReadFullMs)}**${mark(m.detectFlagsMs <= 0.3 * m.plainReadFullMs)}`),
  ],
  [
    'stage 1% modified + 1% deleted',
    '≤ 1.2x (detect + store commit)',
    (m) =>
      `${seconds(m.stageMs)} = **${ratio(m.stageMs / (m.stageDetectMs + m.stageCommitMs))}**${mark(m.stageMs <= 1.2 * (m.stageDetectMs + m.stageCommitMs))} (detect ${seconds(m.stageDetectMs)}, commit ${seconds(m.stageCommitMs)}; ${m.stageChange.modified}+${m.stageChange.deleted} docs)`,
  ],
  [
    'first stage of all documents',
    '≤ 10% in Chroma metadata updates (at 50,000 docs)',
    (m) => `${seconds(m.firstStageMs)}, **${((100 * m.firstStageAfterCommitMs) / m.firstStageMs).toFixed(0)}%**${mark(m.documents >= 50_000 ? m.firstStageAfterCommitMs <= 0.1 * m.firstStageMs : null)} after the commit (${seconds(m.firstStageAfterCommitMs)})`,
  ],
  [
    'writeDocuments throughput (chunks)',
    '≥ 0.9x plain add',
    (m) =>
      `${perSec(m.writeChunksPerSec)} = **${ratio(m.writeChunksPerSec / m.plainAddPerSec)}**${mark(m.writeChunksPerSec >= 0.9 * m.plainAddPerSec)} (plain add ${perSec(m.plainAddPerSec)}; ${m.writeChunks.toLocaleString('en')} chunks)` +
      (m.writeCpu ? `; CPU ${cpuSeconds(m.writeCpu.nodeS + m.writeCpu.hostS)} (Node ${cpuSeconds(m.writeCpu.nodeS)}) vs ${cpuSeconds(m.writeCpu.plainS)}` : ''),
  ],
  [
    'writeDocuments into the populated corpus (same chunks, new ids)',
    '≥ 0.9x plain add, as into an empty collection',
    (m) =>
      m.writeIntoChunksPerSec == null || m.plainAddIntoPerSec == null
        ? 'n/a'
        : `${perSec(m.writeIntoChunksPerSec)} = **${ratio(m.writeIntoChunksPerSec / m.plainAddIntoPerSec)}**${mark(m.writeIntoChunksPerSec >= 0.9 * m.plainAddIntoPerSec)} (plain add ${perSec(m.plainAddIntoPerSec)}; empty: ${ratio(m.writeIntoChunksPerSec / m.writeChunksPerSec)} of the library's, ${ratio(m.plainAddIntoPerSec / m.plainAddPerSec)} of plain's)`,
  ],
  ['Node peak RSS, detect (default level)', '≤ 300 MB at 100,000 docs', (m) => `**${mib(m.detectPeakMiB)}**${rssMark(m, m.detectPeakMiB)}`],
  ["Node peak RSS, detect (`verify: 'flags'`)", '≤ 300 MB at 100,000 docs', (m) => (m.detectFlagsPeakMiB === null ? 'n/a' : `**${mib(m.detectFlagsPeakMiB)}**${rssMark(m, m.detectFlagsPeakMiB)}`)],
  ['Node peak RSS, stage 1%', '≤ 300 MB at 100,000 docs', (m) => `**${mib(m.stagePeakMiB)}**${rssMark(m, m.stagePeakMiB)}`],
  ['Node peak RSS, first stage', '≤ 300 MB at 100,000 docs', (m) => `${mib(m.firstStagePeakMiB)}${rssMark(m, m.firstStagePeakMiB)}`],
  [
    'Chroma ops: detect (default; flags)',
    `≤ ceil(chunks / maxBatchSize) + ${OPS_CONSTANT}`,
    (m) => `${opsCell(m.detectOps, m)}${m.detectFlagsOps === null ? '' : `; ${opsCell(m.detectFlagsOps, m)}`} (ceil = ${ceilOps(m)})`,
  ],
  [
    'Chroma ops: stage 1%; first stage',
    `≤ ceil(chunks / maxBatchSize) + ${STAGE_OPS_CONSTANT}`,
    (m) => `${opsCell(m.stageOps, m, STAGE_OPS_CONSTANT)}; ${opsCell(m.firstStageOps, m, STAGE_OPS_CONSTANT)} (ceil = ${ceilOps(m)})`,
  ],
  ['populate: writeDocuments of the whole corpus (chunks)', '-', (m) => perSec(m.populateChunksPerSec)],
];

/** 300 MB (the goal's unit is decimal megabytes) at 100,000 documents and more; not judged below that. */
function rssMark(m: CorpusMetrics, peak: number): string {
  return mark(m.documents >= 100_000 ? peak * 2 ** 20 <= 300e6 : null);
}

export function renderSection(results: Results): string {
  const labels = [...LABELS, ...Object.keys(results).filter((l) => !LABELS.includes(l))];
  const corpusIds = [...new Set(Object.values(results).flatMap((run) => Object.keys(run.corpora)))];
  const lines = [BEGIN, '## Sync at real size', ''];
  lines.push(
    'Detect and stage on large collections (embedded Chroma through the Python host, the embedded DoltLite store), each',
    'measured operation in a fresh process; ratios are against plain-Python chromadb scripts (no library) run in the',
    'same run, alternating with the library\'s runs (the plain read and the detect take turns going first). Medians of',
    'the runs given per corpus; the first stage of a whole corpus is the one made while populating the cache, plus',
    'any extra runs on fresh copies (SCALE_FIRST_STAGE_RUNS; the median). Peak RSS is the Node process\'s (including the store\'s',
    'owner thread), reset just before the operation. The machine is a shared, noisy 2-vCPU box with other engineers\'',
    'jobs running: expect ±20% and compare ratios, not times. Rerun: `npm run bench:scale` (see bench/scale/main.ts for',
    'the environment variables).',
    '',
    'Detection reads the store\'s `(document, hash)` pairs from a snapshot beside the store file when the documents',
    'table is as the snapshot recorded it (one query for the table\'s hash), else from the table (then it records one).',
    'Each run measures both: a detect with the snapshot removed first, then the detect the table row names.',
    'The embedded host reads a scan\'s pages straight from Chroma\'s SQLite file (read-only, the same records chromadb\'s',
    'get gives, checked by the test suite), where the installed chromadb is a verified version; each run also measures',
    'the detect with `directScan: false`, which scans through chromadb\'s get as the plain read does.',
    '',
  );
  for (const label of labels) {
    const run = results[label];
    if (!run) continue;
    lines.push(`- **${label}**: ${run.machine}; Node ${run.node}.`);
  }
  lines.push('');
  for (const id of corpusIds) {
    const anyRun = labels.map((l) => results[l]?.corpora[id]).find((c) => c !== undefined)!;
    const shown = labels.filter((l) => results[l] !== undefined || LABELS.includes(l));
    lines.push(`### ${corpusTitle(anyRun.spec)}`, '');
    const facts = labels
      .map((l) => [l, results[l]?.corpora[id]] as const)
      .filter((pair): pair is readonly [string, CorpusRun] => pair[1] !== undefined)
      .map(
        ([l, { metrics: m, measuredAt, commit, load }]) =>
          `${l}: ${measuredAt.slice(0, 16).replace('T', ' ')} UTC, commit ${commit}, load average ${load ? `${load.start.toFixed(1)} -> ${load.end.toFixed(1)}` : 'not recorded'}; ` +
          `${m.documents.toLocaleString('en')} documents, ${m.chunks.toLocaleString('en')} chunks, ${m.textMiB.toFixed(1)} MiB of text` +
          `${m.skippedFiles ? ` (${m.skippedFiles} files skipped)` : ''}, maxBatchSize ${m.maxBatchSize}, ${m.runs} runs`,
      );
    for (const fact of facts) lines.push(`- ${fact}.`);
    lines.push('');
    lines.push(`| measure | goal | ${shown.join(' | ')} |`, `|---|---|${shown.map(() => '---').join('|')}|`);
    for (const [measure, goal, cell] of rows) {
      const cells = shown.map((l) => {
        const m = results[l]?.corpora[id]?.metrics;
        return m ? cell(m) : '';
      });
      lines.push(`| ${measure} | ${goal} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  lines.push(END);
  return lines.join('\n');
}

/** Replaces the section between the markers, or appends it. */
export function writeSection(benchmarksPath: string, section: string): void {
  const text = existsSync(benchmarksPath) ? readFileSync(benchmarksPath, 'utf8') : '# Benchmarks\n';
  const begin = text.indexOf(BEGIN.slice(0, 24));
  const end = text.indexOf(END);
  const next = begin >= 0 && end > begin ? text.slice(0, begin) + section + text.slice(end + END.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(benchmarksPath, next);
}
