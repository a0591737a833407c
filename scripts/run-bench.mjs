// Runs the compiled tinybench suites and writes BENCHMARKS.md from their reports.
// Suites marked `pin` run twice: pinned to CPU 0 (taskset) and unpinned, because latency on two vCPUs is
// bimodal (waking an idle vCPU costs ~45 us) and the two numbers answer different questions.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

const suites = [
  { file: 'transport.bench.js', pin: true },
  { file: 'coalescer.bench.js', pin: true },
  { file: 'chroma.bench.js', pin: true },
  { file: 'dolt.bench.js' },
  { file: 'sync.bench.js' },
  { file: 'sync-levels.bench.js' },
  { file: 'import.bench.js' },
  { file: 'checkout.bench.js' },
  { file: 'host.bench.js' },
];
const only = process.argv.slice(2);
const reports = new Map();
const previous = existsSync('bench-results.json') ? JSON.parse(readFileSync('bench-results.json', 'utf8')) : {};
for (const [id, report] of Object.entries(previous)) reports.set(id, report);

function runSuite(file, pinned) {
  const path = new URL(`../dist/bench/${file}`, import.meta.url).pathname;
  if (!existsSync(path)) return;
  const command = pinned ? 'taskset' : process.execPath;
  const args = pinned ? ['-c', '0', process.execPath, path] : [path];
  process.stderr.write(`bench: ${file}${pinned ? ' (pinned)' : ''}\n`);
  const output = execFileSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, BENCH_PINNED: pinned ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of output.split('\n')) {
    if (!line.startsWith('BENCH_REPORT ')) continue;
    const report = JSON.parse(line.slice('BENCH_REPORT '.length));
    report.measuredAt = new Date().toISOString();
    reports.set(report.id, report);
  }
}

for (const suite of suites) {
  if (only.length && !only.some((name) => suite.file.startsWith(name))) continue;
  runSuite(suite.file, false);
  if (suite.pin) runSuite(suite.file, true);
}
writeFileSync('bench-results.json', JSON.stringify(Object.fromEntries(reports), null, 2) + '\n');

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const lines = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (tinybench) from `bench-results.json`; do not edit by hand.',
  '',
  `Machine: ${cpus().length} vCPU ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${process.platform} ${process.arch}; Node ${process.version}.`,
  'This machine is noisy (shared vCPUs): every number is a **median** of tinybench samples, and each table was measured',
  'side by side in one run (its date is under the table). Ratios are taken within the same run.',
  '',
];
for (const report of reports.values()) {
  lines.push(`## ${report.title}`, '');
  lines.push(`| ${report.columns.join(' | ')} |`, `|${report.columns.map(() => '---').join('|')}|`);
  for (const row of report.rows) lines.push(`| ${row.join(' | ')} |`);
  lines.push('', `Measured ${report.measuredAt}.`, '');
  for (const note of report.notes ?? []) lines.push(`- ${note}`);
  if (report.notes?.length) lines.push('');
}
// The scale section is written by `npm run bench:scale` (minutes to hours): kept as it is.
const previousMarkdown = existsSync('BENCHMARKS.md') ? readFileSync('BENCHMARKS.md', 'utf8') : '';
const scaleSection = /<!-- scale-bench:begin[\s\S]*?<!-- scale-bench:end -->\n?/.exec(previousMarkdown)?.[0];
if (scaleSection) lines.push(scaleSection);
writeFileSync('BENCHMARKS.md', lines.join('\n'));
console.log(`wrote BENCHMARKS.md (${reports.size} tables)`);
