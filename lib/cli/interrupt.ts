/**
 * Ctrl-C for every command: whatever the command opened (or is still opening) is closed before the process
 * exits with 130, so no Python child, owner thread or lock file outlives it. Sessions register here as they
 * start opening, not once open: an interrupt while Python is still starting waits for it and then closes it,
 * where exiting at once would leave the path locks behind for the next run to find stale.
 */

const closers = new Set<() => Promise<unknown>>();

/** Closes `opening`'s result on Ctrl-C (`close` must be idempotent: the command may close it too). */
export function closeOnInterrupt<T>(opening: Promise<T>, close: (opened: T) => Promise<unknown>): Promise<T> {
  closers.add(() => opening.then(close, () => {}));
  return opening;
}

/**
 * The process's SIGINT handler: says so on stderr, closes everything registered, exits 130. A second Ctrl-C
 * while closing gets Node's default (exit at once), as users expect of a second interrupt.
 */
export function installInterruptHandler(onInterrupt: () => void = () => {}): void {
  process.once('SIGINT', () => {
    onInterrupt();
    process.stderr.write('\ninterrupted: shutting down...\n');
    void Promise.allSettled([...closers].map((close) => close())).finally(() => process.exit(130));
  });
}
