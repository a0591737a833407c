/**
 * Per-label counts and latency percentiles over a recent window.
 *
 * "Recent" is two windows: the current one and the one before, so a report always covers between one and two
 * window lengths of traffic.
 *
 * Memory is bounded whatever callers pass as labels: the first {@link MAX_LABELS} distinct labels get their own
 * record, later ones are all counted under {@link OTHER_LABEL}. Latencies go into small log-scale histograms
 * (2% resolution, 1 us to 19 hours, 5 KB each, four per label) rather than Node's HDR histograms: those cost
 * about 30 KB each at two significant digits (360 KB at the defaults), in native memory the GC does not see.
 */
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
/** Bucket i holds values in (GROWTH^(i-1), GROWTH^i]: a reported percentile is at most 2% above the truth. */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(HIGHEST_MICROS) / LOG_GROWTH) + 1;

/** A log-scale histogram of latencies in microseconds. */
class LogHistogram {
  readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  max = 0;

  record(micros: number): void {
    const value = Math.min(HIGHEST_MICROS, Math.max(1, micros));
    this.counts[Math.ceil(Math.log(value) / LOG_GROWTH)]!++;
    this.count++;
    if (value > this.max) this.max = value;
  }

  reset(): void {
    if (this.count === 0) return;
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
  }
}

/** The `p`th percentile (0-100) of two histograms together, in microseconds. */
function percentile(a: LogHistogram, b: LogHistogram, p: number): number {
  const target = Math.max(1, Math.ceil((p / 100) * (a.count + b.count)));
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += a.counts[i]! + b.counts[i]!;
    if (seen >= target) return Math.min(GROWTH ** i, Math.max(a.max, b.max));
  }
  return Math.max(a.max, b.max);
}

class WindowedHistogram {
  private current = new LogHistogram();
  private previous = new LogHistogram();
  private windowStart: number;

  constructor(
    private readonly windowMs: number,
    now: number,
  ) {
    this.windowStart = now;
  }

  record(micros: number, now: number): void {
    this.rotate(now);
    this.current.record(micros);
  }

  summary(now: number): LatencySummary {
    this.rotate(now);
    const { previous, current } = this;
    if (previous.count + current.count === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const ms = (micros: number) => Math.round(micros) / 1000;
    return {
      count: previous.count + current.count,
      p50: ms(percentile(previous, current, 50)),
      p90: ms(percentile(previous, current, 90)),
      p99: ms(percentile(previous, current, 99)),
      max: ms(Math.max(previous.max, current.max)),
    };
  }

  private rotate(now: number): void {
    if (now - this.windowStart < this.windowMs) return;
    // Swap and reset rather than allocate. A gap longer than two windows leaves nothing recent.
    const stale = this.previous;
    this.previous = this.current;
    if (now - this.windowStart >= 2 * this.windowMs) this.previous.reset();
    stale.reset();
    this.current = stale;
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
