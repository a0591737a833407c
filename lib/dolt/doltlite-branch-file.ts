/**
 * The active branch survives reopening. DoltLite keeps the checked-out branch per connection, so a reopened
 * store would always start on `main`; the branch name is kept beside the store in `.<name>.branch` instead
 * (written to a fresh temporary file, synced and renamed over, so it is never torn and never follows a link).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function branchFile(storePath: string): string {
  return join(dirname(storePath), `.${basename(storePath)}.branch`);
}

/** The branch recorded for the store, or null (none recorded, or unreadable: then the store opens on its default). */
export function readActiveBranch(storePath: string): string | null {
  let fd: number;
  try {
    fd = openSync(branchFile(storePath), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const name = readFileSync(fd, 'utf8').trim();
    return name.length > 0 && name.length <= 100 ? name : null;
  } finally {
    closeSync(fd);
  }
}

export function writeActiveBranch(storePath: string, branch: string): void {
  const target = branchFile(storePath);
  const temp = `${target}.${randomUUID()}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, branch);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, target);
}
