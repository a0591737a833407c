/**
 * What importing each entry point costs an app at startup, against piscina (a worker-pool package of similar
 * purpose) and mysql2 (which the core used to load). Each sample is a fresh Node process timing one dynamic
 * import (the module cache makes in-process repeats meaningless), so this is not a tinybench loop; samples of
 * all entries are interleaved so machine noise hits them alike, and the table shows medians.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { emit, round } from './report.js';

const SAMPLES = 21;
const entry = (path: string) => new URL(`../lib/${path}`, import.meta.url).href;
const targets: Array<[string, string]> = [
  ['session-executor (core)', entry('index.js')],
  ['session-executor/sync', entry('exports/sync.js')],
  ['session-executor/store', entry('exports/store.js')],
  ['session-executor/chroma', entry('exports/chroma.js')],
  ['piscina 5', import.meta.resolve('piscina')],
  ['mysql2/promise', import.meta.resolve('mysql2/promise')],
];
const probe = fileURLToPath(new URL('./fixtures/time-import.js', import.meta.url));

const samples = new Map<string, number[]>(targets.map(([name]) => [name, []]));
for (let round = 0; round < SAMPLES; round++) {
  for (const [name, url] of targets) {
    samples.get(name)!.push(Number(execFileSync(process.execPath, [probe, url], { encoding: 'utf8' }).trim()));
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const piscina = median(samples.get('piscina 5')!);
emit({
  id: 'import-time',
  title: 'Import time of each entry point vs piscina (fresh process per sample)',
  columns: ['module', 'import (ms, median)', 'vs piscina'],
  rows: targets.map(([name]) => {
    const ms = median(samples.get(name)!);
    return [name, round(ms, 1), round(ms / piscina, 2)];
  }),
  notes: [
    `${SAMPLES} samples each, interleaved, on a loaded 2-vCPU machine; time from before to after one \`await import()\`.`,
    'The core loads no client package; /store loads mysql2 and DoltLite only when a store is opened.',
  ],
});
