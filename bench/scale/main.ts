/**
 * `npm run bench:scale`: sync at real size. Measures, per corpus, detect with nothing changed (both levels when
 * the library has them), the stage of a 1% change, the first stage of everything, writeDocuments throughput,
 * peak memory and operation counts, against plain-Python chromadb baselines in the same run; records them in
 * bench/scale/results.json under a label and writes the "Sync at real size" section of BENCHMARKS.md.
 *
 * Environment (all optional):
 * - SCALE_DOCS: demo-document corpus sizes, comma-separated (default 10000,100000; empty or 0 for none)
 * - SCALE_REAL_FILES: size of the real-file corpus (default 10000; 0 for none)
 * - SCALE_RUNS: runs of each measurement, medians reported (default 3)
 * - SCALE_FIRST_STAGE_RUNS: first stages beyond the one made while populating (default 0)
 * - SCALE_WRITE_CHUNKS: chunks in the write-throughput measurement, from the first documents (default 10000)
 * - SCALE_WRITE_INTO=0: skips the same write into a copy of the populated corpus
 * - SCALE_LABEL: the column to fill, `before` or `after` (default after)
 * - SCALE_CACHE: where populated corpora are kept (default .bench-cache/scale); SCALE_REPOPULATE=1 rebuilds them
 * - SCALE_SCRATCH: scratch folder for copies (default $TMPDIR/scale-bench-scratch)
 * `npm run bench:scale -- --render` only rewrites the BENCHMARKS.md section from results.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { corpusId, readConfig } from './config.js';
import { measureCorpus } from './measure.js';
import { renderSection, writeSection, type LabelledRun, type Results } from './render.js';

const resultsPath = fileURLToPath(new URL('../../../bench/scale/results.json', import.meta.url));
const benchmarksPath = fileURLToPath(new URL('../../../BENCHMARKS.md', import.meta.url));

function loadResults(): Results {
  return existsSync(resultsPath) ? (JSON.parse(readFileSync(resultsPath, 'utf8')) as Results) : {};
}

function commitOf(): string {
  try {
    const hash = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    // Only the measured code counts (this bench itself rewrites BENCHMARKS.md and its results file).
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'lib', 'workers'], { encoding: 'utf8' }).trim();
    return dirty ? `${hash} (with uncommitted changes to the library)` : hash;
  } catch {
    return 'unknown';
  }
}

if (!process.argv.includes('--render')) {
  const config = readConfig();
  const results = loadResults();
  const run: LabelledRun = {
    machine: `${cpus().length} vCPU ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    // Corpora measured earlier under this label and not now are kept (a run may measure one corpus only).
    corpora: { ...(results[config.label]?.corpora ?? {}) },
  };
  for (const spec of config.corpora) {
    const measuredAt = new Date().toISOString();
    const start = loadavg()[0]!;
    const metrics = await measureCorpus(spec, config);
    run.corpora[corpusId(spec)] = { spec, metrics, measuredAt, commit: commitOf(), load: { start, end: loadavg()[0]! } };
    // Saved after each corpus: a long run that stops half-way keeps what it measured.
    const latest = loadResults();
    latest[config.label] = run;
    writeFileSync(resultsPath, JSON.stringify(latest, null, 2) + '\n');
    writeSection(benchmarksPath, renderSection(latest));
    process.stderr.write(`scale: ${corpusId(spec)} done\n`);
  }
}
writeSection(benchmarksPath, renderSection(loadResults()));
console.log('wrote the "Sync at real size" section of BENCHMARKS.md');
