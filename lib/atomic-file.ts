/**
 * Small state files written so that a crash leaves either the old content or the new, never a torn file, and so
 * that a symlink planted at the temporary path is never followed: the bytes go to a fresh temporary file opened
 * exclusively (O_EXCL | O_NOFOLLOW), are synced, and the file is renamed over the target; the folder is synced
 * too, so the rename itself survives a power cut. Files whose loss or tearing in a power cut is harmless (they are
 * checked when read: a cache, a process record) skip the syncs (`durable: false`), which cost milliseconds.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Replaces `path`'s content atomically with `data`; the file gets `mode` (owner-only by default). */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600, durable = true): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    if (durable) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  if (durable) syncFolder(dirname(path));
}

function syncFolder(folder: string): void {
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
