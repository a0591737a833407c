/**
 * A record, beside a path, of the child process that has it open (the embedded Chroma's Python host, the
 * store's engine host): `{ pid, start }` in a small file.
 *
 * Why: the path lock belongs to the Node process, and dies with it; the host is another process. A host asks
 * the kernel to SIGKILL it when the thread that started it ends, but a killed process may still finish the write
 * it was in. So the next owner, holding the lock, waits until the recorded host is gone before it opens the path:
 * two processes never write one store file or one Chroma directory. Such a host can only be dying, since the
 * lock's previous holder is gone (or is this process, which stopped it before restarting its owner).
 */
import { closeSync, constants, openSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from './atomic-file.js';
import { processStartTime } from './path-lock.js';

/** How long a new owner waits for the previous host to be gone (it was SIGKILLed: milliseconds, normally). */
export const PREVIOUS_HOST_WAIT_MS = 10_000;

/** Written atomically (never torn, never through a link); not synced: a record lost in a power cut names no live process anyway. */
export function recordHost(recordFile: string, pid: number): void {
  writeFileAtomic(recordFile, JSON.stringify({ pid, start: processStartTime(pid) }), 0o600, false);
}

/** Removes the record once its host has exited. */
export function forgetHost(recordFile: string): void {
  rmSync(recordFile, { force: true });
}

/** The recorded process, or null when none is recorded (or the record is unreadable). */
function readRecord(recordFile: string): { pid: number; start: unknown } | null {
  let recorded: { pid?: unknown; start?: unknown };
  try {
    const fd = openSync(recordFile, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      recorded = JSON.parse(readFileSync(fd, 'utf8')) as typeof recorded;
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  if (typeof recorded.pid !== 'number' || !Number.isInteger(recorded.pid) || recorded.pid <= 0) return null;
  return { pid: recorded.pid, start: recorded.start ?? null };
}

/** Whether the recorded process still runs (a recycled pid is told apart by its start time). */
function stillRuns(recorded: { pid: number; start: unknown }): boolean {
  const start = processStartTime(recorded.pid);
  return start !== null && (recorded.start === null || start === recorded.start);
}

/** Whether a process is recorded in `recordFile` and has exited since: what it was writing may be incomplete. */
export function recordedHostDied(recordFile: string): boolean {
  const recorded = readRecord(recordFile);
  return recorded !== null && !stillRuns(recorded);
}

/**
 * Waits until the host recorded in `recordFile` has exited. Resolves with `null` when it is gone or none is
 * recorded, or with its pid when it still runs after `waitMs`: the caller reports that in its own typed error.
 */
export async function waitForRecordedHost(recordFile: string, waitMs = PREVIOUS_HOST_WAIT_MS): Promise<number | null> {
  const recorded = readRecord(recordFile);
  if (recorded === null) return null; // none recorded (or unreadable: then there is nothing to wait for)
  const deadline = Date.now() + waitMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
    if (!stillRuns(recorded)) return null;
    if (Date.now() > deadline) return recorded.pid;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
