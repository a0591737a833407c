/**
 * Ctrl-C for every command: whatever the command opened (or is still opening) is closed before the process
 * exits with 130, so no Python child, owner thread or lock file outlives it. Sessions register here as they
 * start opening, not once open: an interrupt while Python is still starting waits for it and then closes it,
 * where exiting at once would leave the path locks behind for the next run to find stale.
 *
 * The same shutdown serves the other ways a command is told to stop: SIGTERM (a service manager, `timeout`),
 * and a reader of its output that went away (`session-executor log | head`): writing to the closed pipe fails
 * with EPIPE, which would otherwise end the process with a stack trace and leave its locks behind.
 */

const closers = new Set<() => Promise<unknown>>();
const running = new Set<Promise<unknown>>();
const stopRequested = new AbortController();

/**
 * Aborted when the command is told to stop (Ctrl-C, SIGTERM, a closed pipe). A command passes it to operations
 * that stop cleanly where they can: a checkout cancelled before it writes to Chroma puts everything back, one
 * past that point finishes, so neither leaves the working copy halfway.
 */
export const stopSignal: AbortSignal = stopRequested.signal;

/**
 * Shutdown waits for `operation` (which was given {@link stopSignal}) to settle before it closes the sessions:
 * closing them under it would cut it off between the store and Chroma, for the next open to repair.
 */
export function letFinish<T>(operation: Promise<T>): Promise<T> {
  const settled = operation.then(
    () => {},
    () => {},
  );
  running.add(settled);
  void settled.then(() => running.delete(settled));
  return operation;
}

/** Closes `opening`'s result on Ctrl-C (`close` must be idempotent: the command may close it too). */
export function closeOnInterrupt<T>(opening: Promise<T>, close: (opened: T) => Promise<unknown>): Promise<T> {
  closers.add(() => opening.then(close, () => {}));
  return opening;
}

/**
 * The process's SIGINT and SIGTERM handlers and its stdout/stderr error handlers: abort {@link stopSignal}, wait
 * for the operations given it, close everything registered, then exit with 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM, 141 for a closed pipe, as
 * SIGPIPE would). A second Ctrl-C while closing gets Node's default (exit at once), as users expect of a
 * second interrupt.
 */
export function installInterruptHandler(onInterrupt: () => void = () => {}): void {
  let stopping = false;
  const stop = (code: number, message: string | null) => {
    if (stopping) return;
    stopping = true;
    onInterrupt();
    if (message !== null) process.stderr.write(message);
    stopRequested.abort(new Error('the command was told to stop'));
    void Promise.allSettled([...running])
      .then(() => Promise.allSettled([...closers].map((close) => close())))
      .finally(() => process.exit(code));
  };
  process.once('SIGINT', () => stop(130, '\ninterrupted: shutting down...\n'));
  process.once('SIGTERM', () => stop(143, '\nterminated: shutting down...\n'));
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // Nobody reads what we print any more (EPIPE): stop quietly. Anything else is a real failure to report.
      if (error.code === 'EPIPE') stop(141, null);
      else throw error;
    });
  }
}
