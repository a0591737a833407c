/**
 * Wedge detection: one timer, armed for the earliest moment the running operation could count as stuck.
 *
 * The owner bumps a shared counter and clock whenever it starts an item, without sending a message, so this
 * works even when the owner is blocked in a synchronous loop and cannot answer anything. "Started more than
 * finished, and the last start is older than the hard deadline" means one operation has been running that long.
 */
import { timerDelay } from './long-timer.js';
import type { OwnerThread } from './owner-thread.js';

export interface WatchdogHost {
  /** The ready owner, or null. */
  readonly owner: OwnerThread | null;
  /** Operations sent to the owner and not yet reported back. */
  readonly inFlightCount: number;
  /**
   * How long the operations the owner has started may run, given that `started` items have started: the
   * executor's hard deadline, or longer if a waiting caller asked for a longer `timeoutMs`.
   */
  runAllowanceMs(started: number): number;
  wedged(owner: OwnerThread): void;
}

export class Watchdog {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly hardDeadlineMs: number,
    private readonly host: WatchdogHost,
  ) {}

  /** Arms the timer if work is in flight and it is not armed yet. Cheap enough to call after every dispatch. */
  arm(): void {
    if (this.timer || this.hardDeadlineMs === Infinity || this.host.inFlightCount === 0) return;
    const owner = this.host.owner;
    if (!owner) return;
    // Nothing running (results on their way back): a full period is the earliest a wedge could show.
    const due = owner.started > owner.finished ? owner.lastStartAt + this.hardDeadlineMs - Date.now() : this.hardDeadlineMs;
    this.schedule(due);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(inMs: number): void {
    this.timer = setTimeout(this.check, Math.max(1, timerDelay(inMs)));
    this.timer.unref();
  }

  /** Fires at the earliest moment the owner could count as wedged; re-arms itself if it made progress. */
  private readonly check = (): void => {
    this.timer = null;
    const owner = this.host.owner;
    if (!owner || this.host.inFlightCount === 0) return;
    const started = owner.started;
    if (started > owner.finished) {
      const runningFor = Date.now() - owner.lastStartAt;
      if (runningFor >= this.hardDeadlineMs) {
        const allowance = this.host.runAllowanceMs(started);
        if (runningFor >= allowance) {
          this.host.wedged(owner);
          return;
        }
        // A caller still waiting asked for more time than the hard deadline. Look again when that could be over,
        // or sooner: the op may finish and the next one wedge, which must still be caught near its own deadline.
        this.schedule(Math.min(allowance - runningFor, this.hardDeadlineMs / 4));
        return;
      }
    }
    this.arm();
  };
}
