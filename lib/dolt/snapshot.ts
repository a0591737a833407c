/**
 * Atomic snapshot files: write to a temporary file in the same directory, fsync it, rename it over the
 * snapshot, fsync the directory. A crash at any point leaves either the old snapshot or the new one, never a
 * torn file, because rename within a directory is atomic on POSIX file systems.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function readSnapshot(path: string): Uint8Array | null {
  // A temporary file is what a crash mid-write leaves behind; it was never the snapshot.
  rmSync(tempPath(path), { force: true });
  return existsSync(path) ? new Uint8Array(readFileSync(path)) : null;
}

export function writeSnapshot(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempPath(path);
  const fd = openSync(temp, 'w', 0o600);
  try {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp`);
}
