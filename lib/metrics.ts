/**
 * Per-label counts and latency percentiles over a recent window.
 *
 * Latencies go into Node's native HDR histograms (perf_hooks): recording is a few tens of nanoseconds and the
 * memory is fixed. "Recent" is two windows: the current one and the one before, so a report always covers
 * between one and two window lengths of traffic.
 *
 * Memory is bounded whatever callers pass as labels: the first {@link MAX_LABELS} distinct labels get their own
 * record, later ones are all counted under {@link OTHER_LABEL}. Histograms are sized for what they hold
 * (1 us to 19 hours, 2 significant digits: about 30 KB each, four per label) and reused when a window rotates.
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

/** Labels with a record of their own; every later label is counted under {@link OTHER_LABEL}. */
export const MAX_LABELS = 64;
export const OTHER_LABEL = 'other';

/** The largest latency a histogram records, in microseconds (about 19 hours); longer ones count as this. */
const HIGHEST_MICROS = 2 ** 36;
const newHistogram = (): RecordableHistogram => createHistogram({ lowest: 1, highest: HIGHEST_MICROS, figures: 2 });

class WindowedHistogram {
  private current = newHistogram();
  private previous = newHistogram();
  private windowStart: number;

  constructor(
    private readonly windowMs: number,
    now: number,
  ) {
    this.windowStart = now;
  }

  record(micros: number, now: number): void {
    this.rotate(now);
    this.current.record(Math.min(HIGHEST_MICROS, Math.max(1, Math.round(micros))));
  }

  summary(now: number): LatencySummary {
    this.rotate(now);
    if (this.previous.count + this.current.count === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const merged = scratch;
    merged.reset();
    merged.add(this.previous);
    merged.add(this.current);
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
    // Swap and reset rather than allocate: native histogram memory is invisible to the GC, so a fresh one per
    // rotation would pile up until some unrelated collection. A gap longer than two windows leaves nothing recent.
    const stale = this.previous;
    this.previous = this.current;
    if (now - this.windowStart >= 2 * this.windowMs) this.previous.reset();
    stale.reset();
    this.current = stale;
    this.windowStart = now;
  }
}

/** Merging target for summaries, shared so a snapshot allocates no native memory. */
const scratch = newHistogram();

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

  /**
   * Counts an outcome; when the owner ran the op, also records how long it waited and ran. Beyond
   * {@link MAX_LABELS} distinct labels, new labels are counted under {@link OTHER_LABEL}.
   */
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

  private recordFor(label: string, now: number): OpRecord {
    let record = this.byOp.get(label);
    if (record) return record;
    if (this.byOp.size >= MAX_LABELS) {
      label = OTHER_LABEL;
      record = this.byOp.get(label);
      if (record) return record;
    }
    record = new OpRecord(this.windowMs, now);
    this.byOp.set(label, record);
    return record;
  }
}
