/**
 * Peak resident memory of this process around one operation. Linux keeps the peak (VmHWM) per process and
 * lets a process reset it to the current RSS (writing 5 to /proc/self/clear_refs), so the peak read after an
 * operation is that operation's, not the start-up's. Where the reset is refused, the peak since start is
 * reported and `resetWorked` says so.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface MemoryWindow {
  /** RSS when the window opened, in MiB. */
  startMiB: number;
  /** Whether the kernel's peak was reset at the start (else the peak covers the whole process life). */
  resetWorked: boolean;
}

function statusKiB(field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : process.memoryUsage().rss / 1024;
}

export function openWindow(): MemoryWindow {
  let resetWorked = true;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    resetWorked = false;
  }
  return { startMiB: statusKiB('VmRSS') / 1024, resetWorked };
}

/** Peak RSS since the window opened, in MiB. */
export function peakMiB(): number {
  return statusKiB('VmHWM') / 1024;
}
