/**
 * Whether a remote URL names the store's own file. Pushing a store into itself fails deep in the engine with
 * "database is locked" (and a push first checks, and may cut, the remote file's torn tail: the store's own file
 * must never be touched that way), so such a remote is refused by name when added, and again before every
 * push, fetch and pull (for one added before this check, or a file moved since).
 *
 * The same file has many spellings: a relative path (the engine resolves it from the working directory), `.`
 * and `..` components, a trailing slash, `file://localhost/`, percent-encoding, a symbolic link to the file or
 * to a folder on its path, a hard link. So paths are compared as the file system sees them: the device and
 * inode when both files exist, else the real path (symbolic links resolved as far as the path exists).
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { remoteIsSelf } from './errors.js';

/**
 * The paths a `file://` URL may name: as the engine reads it (text after the scheme) and as a file URL. A bare
 * path (no scheme; refused as a remote anyway) is compared too, so that giving the store's own path is told so.
 */
function candidatePaths(url: string): string[] {
  if (!url.includes('://')) return url.length > 0 && !url.includes('\0') ? [resolve(url)] : [];
  if (!/^file:\/\//i.test(url)) return [];
  const paths = [resolve(url.slice('file://'.length))];
  try {
    paths.push(resolve(fileURLToPath(new URL(url))));
  } catch {
    // Not a well-formed file URL: the engine's reading above is the only one.
  }
  return paths;
}

/** The real path of `path`, resolving links in the part of it that exists. */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPath(parent), basename(path));
  }
}

function identity(path: string): string | null {
  try {
    const stat = statSync(path);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return null;
  }
}

/** Whether `url` names the file at `storePath`. */
export function namesStoreFile(storePath: string, url: string): boolean {
  const own = resolve(storePath);
  const ownIdentity = identity(own);
  const ownReal = realPath(own);
  return candidatePaths(url).some((path) => {
    const id = identity(path);
    if (id !== null && ownIdentity !== null) return id === ownIdentity;
    return realPath(path) === ownReal;
  });
}

/** Throws `RemoteIsSelfError` when `url` names the store's own file (`storePath`; an in-memory store has none). */
export function refuseSelfRemote(storePath: string | undefined, remote: string, url: string): void {
  if (storePath !== undefined && storePath !== '' && namesStoreFile(storePath, url)) throw remoteIsSelf(remote, url);
}
