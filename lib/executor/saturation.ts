/**
 * Queue-saturation tracking with hysteresis: `saturated` when the depth reaches the high watermark, `drained`
 * only when it falls back to the low one, so a depth hovering around one mark does not flap.
 */
import type { Logger } from '../logger.js';

/** One saturation episode boundary, as kept in `stats().saturation.events`. */
export interface SaturationEvent {
  type: 'saturated' | 'drained';
  /** Date.now() when it happened. */
  at: number;
  /** Pending operations (waiting + queued + in flight) at that moment. */
  depth: number;
  /** Names of the operations waiting, most frequent first, with their counts (saturated events only). */
  waitingOps?: Array<{ op: string; count: number }>;
}

export interface SaturationOptions {
  /**
   * Depth (operations waiting, queued and in flight) at which the executor counts as saturated.
   * @default 10
   */
  high?: number;
  /**
   * Depth at or below which a saturated executor counts as drained again.
   * @default 5
   */
  low?: number;
  /**
   * Minimum time between two saturation warnings in the log; events are emitted and recorded every time.
   * @default 30000
   */
  warnEveryMs?: number;
  /**
   * How many saturation events `stats()` keeps (the oldest are dropped).
   * @default 100
   */
  keepEvents?: number;
}

export class SaturationTracker {
  readonly high: number;
  readonly low: number;
  private readonly warnEveryMs: number;
  private readonly keep: number;
  private lastWarnAt = -Infinity;
  saturated = false;
  readonly events: SaturationEvent[] = [];

  constructor(
    options: SaturationOptions,
    private readonly logger: Logger,
    private readonly emit: (event: SaturationEvent) => void,
  ) {
    this.high = options.high ?? 10;
    this.low = Math.min(options.low ?? 5, this.high);
    this.warnEveryMs = options.warnEveryMs ?? 30_000;
    this.keep = options.keepEvents ?? 100;
  }

  /** Called whenever the depth changes. `waitingOps` is only evaluated on a transition to saturated. */
  update(depth: number, waitingOps: () => Array<{ op: string; count: number }>): void {
    if (!this.saturated && depth >= this.high) {
      this.saturated = true;
      const event: SaturationEvent = { type: 'saturated', at: Date.now(), depth, waitingOps: waitingOps() };
      this.record(event);
      if (event.at - this.lastWarnAt >= this.warnEveryMs) {
        this.lastWarnAt = event.at;
        this.logger.warn(
          { depth, high: this.high, waitingOps: event.waitingOps },
          `session queue saturated: ${depth} operations pending (${describe(event.waitingOps!)})`,
        );
      }
    } else if (this.saturated && depth <= this.low) {
      this.saturated = false;
      this.record({ type: 'drained', at: Date.now(), depth });
    }
  }

  private record(event: SaturationEvent): void {
    this.events.push(event);
    if (this.events.length > this.keep) this.events.shift();
    this.emit(event);
  }
}

function describe(ops: Array<{ op: string; count: number }>): string {
  return ops.map(({ op, count }) => `${op} x${count}`).join(', ') || 'none waiting';
}
