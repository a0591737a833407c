/**
 * Per-operation counts and latency percentiles over a recent window.
 *
 * Latencies go into Node's native HDR histograms (perf_hooks): recording is a few tens of nanoseconds and the
 * memory is fixed. "Recent" is two windows: the current one and the one before, so a report always covers
 * between one and two window lengths of traffic.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

export type Outcome = 'ok' | 'error' | 'timeout' | 'cancelled';

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface OpStats {
  ok: number;
  error: number;
  timeout: number;
  cancelled: number;
  /** From the call until the owner started the operation. */
  waitMs: LatencySummary;
  /** Time the operation ran in the owner. */
  runMs: LatencySummary;
}

class WindowedHistogram {
  private current: RecordableHistogram = createHistogram();
  private previous: RecordableHistogram = createHistogram();
  private windowStart: number;

  constructor(
    private readonly windowMs: number,
    now: number,
  ) {
    this.windowStart = now;
  }

  record(micros: number, now: number): void {
    this.rotate(now);
    this.current.record(Math.max(1, Math.round(micros)));
  }

  summary(now: number): LatencySummary {
    this.rotate(now);
    const merged = createHistogram();
    merged.add(this.previous);
    merged.add(this.current);
    if (merged.count === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const ms = (micros: number) => Math.round(micros) / 1000;
    return {
      count: merged.count,
      p50: ms(merged.percentile(50)),
      p90: ms(merged.percentile(90)),
      p99: ms(merged.percentile(99)),
      max: ms(merged.max),
    };
  }

  private rotate(now: number): void {
    if (now - this.windowStart < this.windowMs) return;
    // A gap longer than two windows leaves nothing recent.
    this.previous = now - this.windowStart < 2 * this.windowMs ? this.current : createHistogram();
    this.current = createHistogram();
    this.windowStart = now;
  }
}

class OpRecord {
  ok = 0;
  error = 0;
  timeout = 0;
  cancelled = 0;
  readonly wait: WindowedHistogram;
  readonly run: WindowedHistogram;

  constructor(windowMs: number, now: number) {
    this.wait = new WindowedHistogram(windowMs, now);
    this.run = new WindowedHistogram(windowMs, now);
  }
}

export class OpMetrics {
  private readonly byOp = new Map<string, OpRecord>();

  constructor(private readonly windowMs: number) {}

  /** Counts an outcome; when the owner ran the op, also records how long it waited and ran. */
  record(op: string, outcome: Outcome, timing?: { waitMicros: number; runMicros: number }, now = performance.now()): void {
    const record = this.recordFor(op, now);
    record[outcome]++;
    if (timing) {
      record.wait.record(timing.waitMicros, now);
      record.run.record(timing.runMicros, now);
    }
  }

  snapshot(): Record<string, OpStats> {
    const now = performance.now();
    const out: Record<string, OpStats> = {};
    for (const [op, r] of this.byOp) {
      out[op] = {
        ok: r.ok,
        error: r.error,
        timeout: r.timeout,
        cancelled: r.cancelled,
        waitMs: r.wait.summary(now),
        runMs: r.run.summary(now),
      };
    }
    return out;
  }

  private recordFor(op: string, now: number): OpRecord {
    let record = this.byOp.get(op);
    if (!record) {
      record = new OpRecord(this.windowMs, now);
      this.byOp.set(op, record);
    }
    return record;
  }
}
