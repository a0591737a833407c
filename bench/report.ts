/**
 * Bench scripts print one line `BENCH_REPORT <json>` per table; scripts/run-bench.mjs turns them into
 * BENCHMARKS.md. Keeping rendering out of the bench scripts lets one run combine pinned and unpinned results.
 */
import type { Bench } from 'tinybench';

export interface Report {
  id: string;
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
  notes?: string[];
}

export function emit(report: Report): void {
  console.log(`BENCH_REPORT ${JSON.stringify(report)}`);
}

/** Median latency of a finished tinybench task, in milliseconds. */
export function medianMs(bench: Bench, name: string): number {
  const task = bench.getTask(name);
  const result = task?.result as { state?: string; latency?: { p50: number }; error?: unknown } | undefined;
  if (!result?.latency) throw new Error(`bench task "${name}" has no result (${String(result?.error ?? result?.state)})`);
  return result.latency.p50;
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
