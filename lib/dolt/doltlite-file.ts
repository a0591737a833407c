/**
 * The store file before the engine touches it: is it a DoltLite store, and did a crash leave a torn commit?
 *
 * Never overwrite what it cannot read: the engine treats an empty file as a new database and would write over
 * it, and what it does with other foreign files is not ours to find out. So every file is checked here first,
 * read-only: anything that is not a DoltLite chunk store (empty, truncated, garbage, a text file, a symbolic
 * link, a folder) fails with {@link StoreFormatError} and stays byte-for-byte as it was.
 *
 * The chunk store's layout (little-endian): a 168-byte manifest at offset 0 (magic "DLTC" as a u32, version,
 * chunk count, index offset and size, the offset where its append-only log starts), the compacted chunks and
 * their index, then the log: chunk records (tag 1, hash(20), length(4), data) and root records (tag 2, a
 * manifest) that make everything before them a commit. A commit is durable once its root record is synced.
 *
 * A crash during a commit can leave a torn tail: records after the last root record. The engine ignores them
 * when reading, but would append the next commit after them, where its log reader would never find it. So a
 * torn tail is cut off before the engine opens the file; the cut bytes are kept beside the store first
 * (`.<name>.torn-<time>`), so even crash debris is never destroyed.
 *
 * The snapshots written by earlier versions of this library are whole-database exports in this same format
 * (a manifest, compacted chunks, an index, no log): they open as they are, and the first commit appends to them.
 */
import { closeSync, constants, fstatSync, fsyncSync, ftruncateSync, lstatSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RemoteError, registerRemoteError } from '../errors.js';

/** The file at the store path is not a DoltLite store this library can open; it was left untouched. */
export class StoreFormatError extends RemoteError {}
registerRemoteError('ERR_STORE_FORMAT', StoreFormatError);

function formatError(path: string, why: string): StoreFormatError {
  return new StoreFormatError({
    name: 'StoreFormatError',
    message: `${path} is not a DoltLite store (${why}); it was left untouched`,
    code: 'ERR_STORE_FORMAT',
    details: { path },
  });
}

const MANIFEST_SIZE = 168;
const MAGIC = 0x444c5443; // "DLTC" read as a little-endian u32
const TAG_CHUNK = 1;
const TAG_ROOT = 2;
const CHUNK_HEADER = 1 + 20 + 4;
const ROOT_RECORD = 1 + MANIFEST_SIZE;

export interface StoreFileState {
  /** False when there is no file yet (the engine creates it on the first commit). */
  exists: boolean;
  /** Bytes after the last complete commit (0 when the last commit was complete). */
  tornBytes: number;
}

/**
 * What to do with a torn last commit. Only a writer that died mid-commit leaves one, so it is repaired only
 * when the store's previous owner is known to have died holding it (`repair`); a file that ends mid-record
 * although its owner closed it cleanly was truncated by something else and is refused (`refuse`). `report`
 * checks without writing.
 */
export type TornTailPolicy = 'refuse' | 'report' | 'repair';

/**
 * Checks the file at `path` and applies `tornTail`. Throws {@link StoreFormatError} for anything that is not a
 * DoltLite store, having written nothing.
 */
export function prepareStoreFile(path: string, tornTail: TornTailPolicy): StoreFileState {
  removeLeftoverSnapshotTemp(path);
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, tornBytes: 0 };
    throw error;
  }
  if (stat.isSymbolicLink()) throw formatError(path, 'it is a symbolic link');
  if (!stat.isFile()) throw formatError(path, 'it is not a regular file');
  if (stat.size === 0) throw formatError(path, 'it is empty');
  const fd = openSync(path, (tornTail === 'repair' ? constants.O_RDWR : constants.O_RDONLY) | constants.O_NOFOLLOW);
  try {
    const size = fstatSync(fd).size;
    const logStart = checkManifest(path, fd, size);
    const end = endOfLastCommit(path, fd, logStart, size);
    if (end === size) return { exists: true, tornBytes: 0 };
    if (tornTail === 'refuse') {
      throw formatError(path, `it ends inside a commit although its last owner closed it: truncated or damaged`);
    }
    if (tornTail === 'repair') {
      keepTornTail(path, fd, end, size);
      ftruncateSync(fd, end);
      fsyncSync(fd);
    }
    return { exists: true, tornBytes: size - end };
  } finally {
    closeSync(fd);
  }
}

/** Validates the manifest; returns where the log starts. */
function checkManifest(path: string, fd: number, size: number): number {
  if (size < MANIFEST_SIZE) throw formatError(path, `it is truncated: ${size} bytes`);
  const manifest = readAt(fd, 0, MANIFEST_SIZE);
  const view = new DataView(manifest.buffer, manifest.byteOffset, manifest.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw formatError(path, 'no DoltLite header');
  const indexOffset = Number(view.getBigInt64(32, true));
  const indexSize = view.getUint32(40, true);
  const logStart = Number(view.getBigInt64(84, true));
  const sane =
    logStart >= MANIFEST_SIZE &&
    logStart <= size &&
    indexSize % 32 === 0 &&
    (indexSize === 0 || (indexOffset >= MANIFEST_SIZE && indexOffset + indexSize <= logStart));
  if (!sane) throw formatError(path, 'it is truncated or damaged: its header points past its end');
  return logStart;
}

/** The end of the last complete commit: the file's end in the common case, found from the last bytes alone. */
function endOfLastCommit(path: string, fd: number, logStart: number, size: number): number {
  if (size === logStart) return size;
  if (size - logStart >= ROOT_RECORD) {
    const tail = readAt(fd, size - ROOT_RECORD, ROOT_RECORD);
    if (tail[0] === TAG_ROOT && new DataView(tail.buffer, tail.byteOffset + 1, 4).getUint32(0, true) === MAGIC) return size;
  }
  // Walk the log's record headers (not their data) to the last root record.
  let position = logStart;
  let lastRootEnd = logStart;
  while (position < size) {
    const tag = readAt(fd, position, 1)[0];
    if (tag === TAG_CHUNK) {
      if (position + CHUNK_HEADER > size) break;
      const length = new DataView(readAt(fd, position + 21, 4).buffer).getUint32(0, true);
      if (position + CHUNK_HEADER + length > size) break;
      position += CHUNK_HEADER + length;
    } else if (tag === TAG_ROOT) {
      if (position + ROOT_RECORD > size) break;
      position += ROOT_RECORD;
      lastRootEnd = position;
    } else {
      throw formatError(path, `its log is damaged at byte ${position}`);
    }
  }
  return lastRootEnd;
}

function keepTornTail(path: string, fd: number, from: number, size: number): void {
  const keep = join(dirname(path), `.${basename(path)}.torn-${Date.now()}`);
  const out = openSync(keep, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const chunk = 1 << 20;
    for (let at = from; at < size; at += chunk) {
      const bytes = readAt(fd, at, Math.min(chunk, size - at));
      let written = 0;
      while (written < bytes.length) written += writeSync(out, bytes, written, bytes.length - written);
    }
    fsyncSync(out);
  } finally {
    closeSync(out);
  }
}

function readAt(fd: number, position: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, bytes, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? bytes : bytes.subarray(0, got);
}

/**
 * Earlier versions wrote whole-database snapshots through `.<name>.tmp` and renamed it over the store; a crash
 * could leave that temporary file, which was never the store. It is removed only if it is a plain file.
 */
function removeLeftoverSnapshotTemp(path: string): void {
  const temp = join(dirname(path), `.${basename(path)}.tmp`);
  try {
    if (lstatSync(temp).isFile()) rmSync(temp);
  } catch {
    // None there.
  }
}
