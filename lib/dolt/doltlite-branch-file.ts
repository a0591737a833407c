/**
 * The active branch survives reopening. DoltLite keeps the checked-out branch per connection, so a reopened
 * store would always start on `main`; the branch name is kept beside the store in `.<name>.branch` instead
 * (written with `writeFileAtomic`, so it is never torn and never follows a link).
 */
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';

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
  writeFileAtomic(branchFile(storePath), branch);
}
