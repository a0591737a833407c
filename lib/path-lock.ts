/**
 * One owner per path: an exclusive lock on a store file or a Chroma directory, held by a process for as long as
 * it lives, and by nothing else.
 *
 * Why a lock file and not an OS lock: Node has no `flock`/`fcntl` locking. A lock file alone would survive its
 * holder, so the file names its holder (pid and the process start time) and a holder that no longer runs has
 * no lock: the next opener removes the stale file, with no manual clean-up, even after SIGKILL. The start time
 * (from /proc) tells a recycled pid from the holder; where /proc is missing the pid alone is checked.
 *
 * Why it is safe under races:
 * - Taking the lock is one atomic step: the holder's record is written completely to a private file (a random
 *   name, created exclusively, so it never follows a planted symlink) and hard-linked to the lock name. `link`
 *   fails if the name exists, so of two openers exactly one wins, and nobody ever sees a half-written record.
 * - Removing a stale lock is done under a second, short-lived lock (the "breaker", taken the same way), and only
 *   if the lock file is still the very file (same inode) that was found stale. A live holder's file is never
 *   removed: it can only appear after the stale one is gone, and then it has another inode.
 *
 * Where it is held: by the main thread of the process that opened the store (not by the owner thread), so an
 * owner that is terminated and restarted cannot leak it or lose it; the store releases it after its owner is gone.
 * A second opener, in this process or another, gets {@link StoreLockedError} or {@link ChromaLockedError} naming
 * the path and the holder's pid, at once.
 *
 * Limits: processes must see each other's pids (not across pid namespaces or machines sharing a network folder).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, constants, fstatSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RemoteError, SessionExecutorError, SessionOpenError } from './errors.js';

/** What a lock protects; it decides the error class. */
export type PathLockKind = 'store' | 'chroma';

/** Another live process (or another store or client in this one) owns the path. */
export class PathLockedError extends SessionExecutorError {
  constructor(
    code: string,
    what: string,
    /** The path that is locked (as given, made absolute). */
    readonly path: string,
    /** The pid of the process holding it (this process's pid when another owner in this process holds it). */
    readonly holderPid: number,
  ) {
    super(code, `${what} ${path} is in use by process ${holderPid}${holderPid === process.pid ? ' (this process)' : ''}`);
  }

  /** The path and the holder as plain data: what survives when the error crosses from an owner thread. */
  get details(): { path: string; holderPid: number } {
    return { path: this.path, holderPid: this.holderPid };
  }
}

/** The version store at `path` is open elsewhere (code `ERR_STORE_LOCKED`). */
export class StoreLockedError extends PathLockedError {
  constructor(path: string, holderPid: number) {
    super('ERR_STORE_LOCKED', 'the version store', path, holderPid);
  }
}

/** The embedded Chroma directory at `path` is open elsewhere (code `ERR_CHROMA_LOCKED`). */
export class ChromaLockedError extends PathLockedError {
  constructor(path: string, holderPid: number) {
    super('ERR_CHROMA_LOCKED', 'the Chroma directory', path, holderPid);
  }
}

/**
 * The `ChromaLockedError` the embedded Chroma's owner thread throws while opening (a previous owner's Python host
 * still has the directory), which arrives as the cause of a `SessionOpenError`, rebuilt as the class callers
 * catch; null for any other error. (The store's engine reports its own case as `StoreEngineUnavailableError`.)
 */
export function lockErrorFromOpen(error: unknown): ChromaLockedError | null {
  if (!(error instanceof SessionOpenError) || !(error.cause instanceof RemoteError)) return null;
  const { code, details } = error.cause;
  const { path, holderPid } = details;
  if (code !== 'ERR_CHROMA_LOCKED' || typeof path !== 'string' || typeof holderPid !== 'number') return null;
  return new ChromaLockedError(path, holderPid);
}

/** A held lock. `release()` is idempotent and removes the lock file only while it is still this holder's. */
export interface PathLock {
  readonly path: string;
  readonly lockFile: string;
  /**
   * True when the previous holder died holding the lock (it was never released): whatever it was writing may
   * be incomplete. The store allows repairing a torn last commit only then.
   */
  readonly previousHolderDied: boolean;
  release(): void;
}

interface Holder {
  pid: number;
  /** Process start time in clock ticks since boot (/proc/<pid>/stat field 22), or null where unknown. */
  start: string | null;
  nonce: string;
}

/**
 * Takes the lock on `target` (a file or a directory; it need not exist). Its parent folder is created (0700) if
 * missing. Throws {@link StoreLockedError} / {@link ChromaLockedError} when a live process holds it.
 */
export function acquirePathLock(target: string, kind: PathLockKind): PathLock {
  const path = resolve(target);
  if (kind === 'chroma') requireFolderOrNothing(path);
  // A Chroma directory may itself be a symbolic link: lock what it points to, or the link and its target would
  // be two paths with two locks on one database. (A store path never is: the store refuses symbolic links.)
  const lockFile = lockFileFor(kind === 'chroma' ? realPathIfExists(path) : path);
  const me: Holder = { pid: process.pid, start: processStartTime(process.pid), nonce: randomUUID() };
  // A few rounds: each failed round removed a stale lock (or lost a race to a live one, which throws).
  // A lock is released only by release(), never at exit: a process that ends without closing its store may
  // have been writing, and its stale lock tells the next opener so.
  let previousHolderDied = false;
  for (let round = 0; round < 5; round++) {
    if (createExclusive(lockFile, me)) {
      return { path, lockFile, previousHolderDied, release: () => releaseIfMine(lockFile, me) };
    }
    const found = readHolder(lockFile);
    if (!found) continue; // released between our attempt and the read
    if (found.holder && isAlive(found.holder)) throw lockedError(kind, path, found.holder.pid);
    previousHolderDied = true;
    breakStaleLock(lockFile, found.ino, me);
  }
  const last = readHolder(lockFile)?.holder;
  throw lockedError(kind, path, last?.pid ?? -1);
}

/** `.<name>.owner.lock` beside the target, in the target's real parent folder (so aliases share one lock). */
export function lockFileFor(path: string): string {
  const parent = dirname(path);
  makeFolders(parent);
  return join(realpathSync(parent), `.${basename(path)}.owner.lock`);
}

/** A folder for a store or a Chroma directory cannot be created or used (`reason`: the system's code). */
export class PathNotUsableError extends SessionExecutorError {
  constructor(
    /** The folder that could not be created or used. */
    readonly path: string,
    /** The system's error code (ENOENT, EACCES, ENOTDIR, EROFS, ...). */
    readonly reason: string,
  ) {
    super('ERR_PATH_NOT_USABLE', `the folder ${path} cannot be created or used (${reason})`);
  }
}

/**
 * Creates `folder` and its missing parents (0700), one level at a time from the deepest existing one. Not
 * `mkdirSync(..., { recursive: true })`: under a parent that refuses new entries with ENOENT (in /proc, say)
 * that call never returns. Throws {@link PathNotUsableError} at once when a level cannot be made.
 */
export function makeFolders(folder: string): void {
  const missing: string[] = [];
  for (let current = resolve(folder); ; current = dirname(current)) {
    let stat;
    try {
      stat = statSync(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
      if (code !== 'ENOENT' || dirname(current) === current) throw new PathNotUsableError(folder, code);
      missing.push(current);
      continue;
    }
    if (!stat.isDirectory()) throw new PathNotUsableError(folder, 'ENOTDIR');
    break;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level, { mode: 0o700 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
      if (code !== 'EEXIST') throw new PathNotUsableError(folder, code);
    }
  }
}

/** The real path of `path` if it exists (a symbolic link resolved), else `path` itself. */
export function realPathIfExists(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // not there yet: its parent's real path is used (lockFileFor)
  }
}

/**
 * A Chroma directory given as the path of a file (or a device) would fail late, inside the Python session, with
 * the system's bare "File exists": refuse it here, naming the path.
 */
function requireFolderOrNothing(path: string): void {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return; // missing (it is created) or unreadable (the session reports what it cannot do)
  }
  if (!stat.isDirectory()) throw new PathNotUsableError(path, 'ENOTDIR');
}

function lockedError(kind: PathLockKind, path: string, pid: number): PathLockedError {
  return kind === 'store' ? new StoreLockedError(path, pid) : new ChromaLockedError(path, pid);
}

/**
 * Writes the holder record to a private file and links it to `name`: true if `name` did not exist. A folder
 * that exists but takes no new files (read-only, not ours, under /proc) is a {@link PathNotUsableError}.
 */
function createExclusive(name: string, holder: Holder): boolean {
  const temp = `${name}.${holder.nonce}.${randomUUID().slice(0, 8)}.tmp`;
  let fd: number;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    throw new PathNotUsableError(dirname(name), (error as NodeJS.ErrnoException).code ?? 'unknown');
  }
  try {
    writeSync(fd, JSON.stringify(holder));
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, name);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    if (code === 'EEXIST') return false;
    throw new PathNotUsableError(dirname(name), code); // a file system without hard links cannot hold the lock
  } finally {
    unlinkSync(temp);
  }
}

/** The record in a lock file and the file's inode; null if there is no such file. */
function readHolder(name: string): { holder: Holder | null; ino: number } | null {
  let fd: number;
  try {
    fd = openSync(name, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    // A symbolic link (ELOOP) or something else we did not write: not a holder record, so not a live lock.
    if (code === 'ELOOP') return { holder: null, ino: lstatSync(name).ino };
    throw error;
  }
  try {
    const ino = fstatSync(fd).ino;
    return { holder: parseHolder(readFileSync(fd, 'utf8')), ino };
  } finally {
    closeSync(fd);
  }
}

function parseHolder(text: string): Holder | null {
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    if (typeof value.pid === 'number' && Number.isInteger(value.pid) && value.pid > 0 && typeof value.nonce === 'string') {
      return { pid: value.pid, start: typeof value.start === 'string' ? value.start : null, nonce: value.nonce };
    }
  } catch {
    // Not JSON: a file this library never writes (records are complete before they get the lock name).
  }
  return null;
}

/**
 * Removes the lock file if it is still the stale one (inode `staleIno`). Runs under the breaker lock so two
 * openers never both decide on the same file; a breaker left by a dead process is itself stale and removed the
 * same way (a third-level race would need a process to die inside this function's few system calls).
 */
function breakStaleLock(lockFile: string, staleIno: number, me: Holder): void {
  const breaker = `${lockFile}.break`;
  if (!createExclusive(breaker, me)) {
    const other = readHolder(breaker);
    if (other && !(other.holder && isAlive(other.holder))) unlinkIfInode(breaker, other.ino);
    return; // someone else is breaking it (or we just cleared a dead breaker): the caller tries again
  }
  try {
    const current = readHolder(lockFile);
    if (current && current.ino === staleIno && !(current.holder && isAlive(current.holder))) {
      unlinkIfInode(lockFile, staleIno);
    }
  } finally {
    releaseIfMine(breaker, me);
  }
}

function unlinkIfInode(name: string, ino: number): void {
  try {
    if (lstatSync(name).ino === ino) unlinkSync(name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function releaseIfMine(name: string, me: Holder): void {
  const found = readHolder(name);
  if (found?.holder?.nonce === me.nonce) unlinkIfInode(name, found.ino);
}

function isAlive(holder: Holder): boolean {
  const start = processStartTime(holder.pid);
  if (start !== null) return holder.start === null || holder.start === start;
  if (procAvailable()) return false; // /proc works here and has no such process
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

let procChecked: boolean | undefined;
function procAvailable(): boolean {
  procChecked ??= processStartTime(process.pid) !== null;
  return procChecked;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks after boot), or null without /proc or process. */
export function processStartTime(pid: number): string | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return null; // a zombie holds no files and no lock
  return fields[19] ?? null;
}
