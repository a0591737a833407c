/**
 * A push that creates a file remote, killed before its first commit is complete, leaves an empty or truncated
 * file there. The store never overwrites a file it cannot read (it may be someone else's), so every later push
 * would refuse that remote for good, and the user would have to find and delete the file by hand.
 *
 * So the push that creates a remote marks it first (`.<name>.creating` beside it, naming the process that
 * writes it, as the engine host records do) and removes the mark once the push has landed. An unreadable remote
 * file with a mark whose writer has died is that push's debris: it is set aside (kept as `.<name>.torn-<time>`,
 * like a torn commit) and the next push creates the remote again. Without a mark, or with a live writer, the
 * file is refused untouched as before.
 */
import { renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { forgetHost, recordedHostDied, recordHost } from '../host-record.js';

function markFile(remotePath: string): string {
  return join(dirname(remotePath), `.${basename(remotePath)}.creating`);
}

/** Marks `remotePath` as being created by process `writerPid` (call before the push that creates it). */
export function markRemoteCreation(remotePath: string, writerPid: number): void {
  recordHost(markFile(remotePath), writerPid);
}

/** The push that created `remotePath` has landed: the file is a store now. */
export function remoteCreated(remotePath: string): void {
  forgetHost(markFile(remotePath));
}

/**
 * Sets an unreadable `remotePath` aside if a push that was creating it died; returns whether it did (then the
 * path is free for a new creation). Leaves everything as it was otherwise.
 */
export function setAsideCrashedCreation(remotePath: string): boolean {
  if (!recordedHostDied(markFile(remotePath))) return false;
  renameSync(remotePath, join(dirname(remotePath), `.${basename(remotePath)}.torn-${Date.now()}`));
  forgetHost(markFile(remotePath));
  return true;
}
