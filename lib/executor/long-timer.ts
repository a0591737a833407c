/**
 * Timers for durations of any length.
 *
 * Why: Node's `setTimeout` holds at most 2^31-1 ms (about 24.8 days). A longer delay, or `Infinity`, is silently
 * turned into 1 ms and prints a `TimeoutOverflowWarning`, so a long deadline would fire at once. Every duration
 * option accepts any positive number up to `Infinity`, so every timer the executor arms goes through here.
 */

/** The longest delay `setTimeout` honours. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A delay `setTimeout` accepts as given: clamped to `[0, MAX_TIMER_MS]`; `NaN` counts as 0. */
export function timerDelay(ms: number): number {
  return ms > 0 ? Math.min(ms, MAX_TIMER_MS) : 0;
}

/** A pending {@link setLongTimeout}. */
export interface LongTimer {
  /** Cancels the timer; harmless after it fired. */
  clear(): void;
}

/**
 * Calls `fire` after `ms` milliseconds (never, for `Infinity`). Delays longer than `setTimeout` can hold are
 * covered by re-arming until the deadline is reached. `unref` keeps the timer from holding the process open.
 */
export function setLongTimeout(fire: () => void, ms: number, options: { unref?: boolean } = {}): LongTimer {
  let timer: NodeJS.Timeout | undefined;
  if (ms === Infinity) return { clear() {} };
  const deadline = performance.now() + ms;
  const arm = (remaining: number): void => {
    // Only a clamped wait needs another look; a wait setTimeout holds in full fires as is.
    timer = setTimeout(remaining > MAX_TIMER_MS ? check : fire, timerDelay(remaining));
    if (options.unref) timer.unref();
  };
  const check = (): void => arm(deadline - performance.now());
  arm(ms);
  return { clear: () => clearTimeout(timer) };
}
