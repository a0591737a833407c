/**
 * A SQLite VFS over `node:fs` for the DoltLite WebAssembly engine, so the store lives in a real file and a
 * commit writes only what changed.
 *
 * DoltLite's chunk store does all its file I/O through SQLite's VFS: it appends the chunks of a commit and a
 * root record to its file, then syncs. In Node the WASM build's own VFSes work on Emscripten's in-memory file
 * system, so this VFS maps those calls to the real one. The calls are synchronous, which is fine: the engine
 * runs alone in the store's owner thread, never on the main thread.
 *
 * - Reads and writes go straight between the file and the WASM heap (no copies).
 * - Files are created 0600 and never through a symbolic link (O_NOFOLLOW); folders for new files 0700.
 * - Locking methods are no-ops: exclusion is the job of the store's path lock, held by the main thread for
 *   the store's whole life (see path-lock.ts); an OS lock taken here would die with a restarted owner thread
 *   anyway, and Node has none to offer.
 * - Nameless files (SQLite's temporary files) live in memory, and so does the engine's own lock file
 *   (`.<name>-lock`, always empty): it exists for an OS lock this build cannot take, and keeping it off the disk
 *   means no planted symbolic link there can break or redirect a commit.
 * - A terminated owner thread does not leak the files it opened here: Node closes the descriptors a worker opened
 *   with `fs.open` when the worker ends (`trackUnmanagedFds`, on by default).
 * - File remotes (`file://` URLs) open their chunk store through this VFS too, so push, fetch, pull and clone
 *   reach the disk.
 */
import { closeSync, constants, fdatasyncSync, fstatSync, ftruncateSync, lstatSync, openSync, readSync, statSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeFolders } from '../../path-lock.js';
import type { DoltLiteSqlite3 } from '../doltlite-wasm-types.js';

/** The name DoltLite databases are opened with (`new DB({ filename, vfs })`). */
export const NODE_FS_VFS = 'session-executor-fs';

const SQLITE_OK = 0;
const SQLITE_IOERR = 10;
const SQLITE_NOTFOUND = 12;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_IOERR_READ = 266;
const SQLITE_IOERR_SHORT_READ = 522;
const SQLITE_IOERR_WRITE = 778;
const SQLITE_IOERR_FSYNC = 1034;
const SQLITE_IOERR_TRUNCATE = 1546;
const SQLITE_IOERR_FSTAT = 1802;
const SQLITE_IOERR_DELETE = 2570;
const SQLITE_OPEN_CREATE = 0x04;
const SQLITE_OPEN_DELETEONCLOSE = 0x08;
const SQLITE_FCNTL_HAS_MOVED = 20;
const SQLITE_IOCAP_POWERSAFE_OVERWRITE = 0x1000;

interface OpenFile {
  path: string | null;
  fd: number;
  /** In-memory contents of a nameless (temporary) file. */
  memory: Uint8Array | null;
  memorySize: number;
  deleteOnClose: boolean;
  /** A file created by this open: its folder entry is synced on its first sync. */
  created: boolean;
}

/** What the store reads from the VFS: the last I/O error's reason (the engine reports only a result code). */
export interface VfsDiagnostics {
  lastError: string | null;
  /** Test-only: runs before each write to a file (crash tests end the thread here, mid-commit). */
  beforeWrite: (() => void) | null;
}

/** The chunk store's lock file beside each store file: `<folder>/.<name>-lock`. */
const ENGINE_LOCK_FILE = /\/\.[^/]+-lock$/;

const installed = new WeakMap<object, VfsDiagnostics>();

/** Registers the VFS with this engine instance (once per instance); returns its diagnostics. */
export function installNodeFsVfs(sqlite3: DoltLiteSqlite3): VfsDiagnostics {
  const existing = installed.get(sqlite3);
  if (existing) return existing;
  const { capi, wasm } = sqlite3;
  const diagnostics: VfsDiagnostics = { lastError: null, beforeWrite: null };
  const files = new Map<number, OpenFile>();
  const io = new capi.sqlite3_io_methods();
  const vfs = new capi.sqlite3_vfs();
  const fallback = new capi.sqlite3_vfs(capi.sqlite3_vfs_find(null));
  io.$iVersion = 1;
  vfs.$iVersion = 2;
  vfs.$szOsFile = capi.sqlite3_file.structInfo.sizeof;
  vfs.$mxPathname = 4096;
  // Time, randomness and sleeping need no file system: take them from the built-in VFS.
  vfs.$xRandomness = fallback.$xRandomness;
  vfs.$xSleep = fallback.$xSleep;
  vfs.$xCurrentTime = fallback.$xCurrentTime;
  vfs.$xCurrentTimeInt64 = fallback.$xCurrentTimeInt64;

  const heap = (): Uint8Array => wasm.heap8u();
  const fail = (code: number, error: unknown): number => {
    const e = error as NodeJS.ErrnoException;
    diagnostics.lastError = e.code ?? e.message ?? String(error);
    return e.code === 'ENOSPC' || e.code === 'EDQUOT' ? SQLITE_FULL : code;
  };
  const fileOf = (pFile: number): OpenFile => {
    const file = files.get(pFile);
    if (!file) throw new Error('unknown file handle');
    return file;
  };

  sqlite3.vfs.installVfs({
    io: {
      struct: io,
      methods: {
        xClose(pFile: number): number {
          const file = files.get(pFile);
          files.delete(pFile);
          if (!file || file.fd < 0) return SQLITE_OK;
          try {
            closeSync(file.fd);
            if (file.deleteOnClose && file.path) unlinkSync(file.path);
            return SQLITE_OK;
          } catch (error) {
            return fail(SQLITE_IOERR, error);
          }
        },
        xRead(pFile: number, pDest: number, amount: number, offset: bigint | number): number {
          try {
            const file = fileOf(pFile);
            const at = Number(offset);
            let got = 0;
            if (file.memory) {
              got = Math.max(0, Math.min(amount, file.memorySize - at));
              if (got > 0) heap().set(file.memory.subarray(at, at + got), pDest);
            } else {
              while (got < amount) {
                const n = readSync(file.fd, heap(), pDest + got, amount - got, at + got);
                if (n === 0) break;
                got += n;
              }
            }
            if (got < amount) {
              // SQLite requires the unread rest to be zeroed on a short read.
              heap().fill(0, pDest + got, pDest + amount);
              return SQLITE_IOERR_SHORT_READ;
            }
            return SQLITE_OK;
          } catch (error) {
            return fail(SQLITE_IOERR_READ, error);
          }
        },
        xWrite(pFile: number, pSource: number, amount: number, offset: bigint | number): number {
          try {
            const file = fileOf(pFile);
            const at = Number(offset);
            if (file.memory) {
              const end = at + amount;
              if (end > file.memory.length) {
                const grown = new Uint8Array(Math.max(end, file.memory.length * 2));
                grown.set(file.memory.subarray(0, file.memorySize));
                file.memory = grown;
              }
              file.memory.set(heap().subarray(pSource, pSource + amount), at);
              file.memorySize = Math.max(file.memorySize, end);
              return SQLITE_OK;
            }
            diagnostics.beforeWrite?.();
            let put = 0;
            while (put < amount) put += writeSync(file.fd, heap(), pSource + put, amount - put, at + put);
            return SQLITE_OK;
          } catch (error) {
            return fail(SQLITE_IOERR_WRITE, error);
          }
        },
        xTruncate(pFile: number, size: bigint | number): number {
          try {
            const file = fileOf(pFile);
            if (file.memory) file.memorySize = Math.min(file.memorySize, Number(size));
            else ftruncateSync(file.fd, Number(size));
            return SQLITE_OK;
          } catch (error) {
            return fail(SQLITE_IOERR_TRUNCATE, error);
          }
        },
        xSync(pFile: number): number {
          try {
            const file = fileOf(pFile);
            if (file.fd < 0) return SQLITE_OK;
            fdatasyncSync(file.fd);
            if (file.created && file.path) {
              // A new file's name must be durable too, not only its contents.
              syncFolder(dirname(file.path));
              file.created = false;
            }
            return SQLITE_OK;
          } catch (error) {
            return fail(SQLITE_IOERR_FSYNC, error);
          }
        },
        xFileSize(pFile: number, pSize: number): number {
          try {
            const file = fileOf(pFile);
            const size = file.memory ? file.memorySize : fstatSync(file.fd).size;
            wasm.poke64(pSize, BigInt(size));
            return SQLITE_OK;
          } catch (error) {
            return fail(SQLITE_IOERR_FSTAT, error);
          }
        },
        xLock: (): number => SQLITE_OK,
        xUnlock: (): number => SQLITE_OK,
        xCheckReservedLock(_pFile: number, pOut: number): number {
          wasm.poke32(pOut, 0);
          return SQLITE_OK;
        },
        xFileControl(pFile: number, op: number, pArg: number): number {
          if (op !== SQLITE_FCNTL_HAS_MOVED) return SQLITE_NOTFOUND;
          // Whether the file was renamed or replaced under us (the chunk store then reloads from the path).
          const file = files.get(pFile);
          let moved = 0;
          if (file?.path && file.fd >= 0) {
            try {
              moved = lstatSync(file.path).ino === fstatSync(file.fd).ino ? 0 : 1;
            } catch {
              moved = 1;
            }
          }
          wasm.poke32(pArg, moved);
          return SQLITE_OK;
        },
        xSectorSize: (): number => 4096,
        xDeviceCharacteristics: (): number => SQLITE_IOCAP_POWERSAFE_OVERWRITE,
      },
    },
    vfs: {
      struct: vfs,
      name: NODE_FS_VFS,
      methods: {
        xOpen(_pVfs: number, zName: number, pFile: number, flags: number, pOutFlags: number): number {
          const path = zName ? wasm.cstrToJs(zName) : null;
          try {
            const file: OpenFile = { path, fd: -1, memory: null, memorySize: 0, deleteOnClose: false, created: false };
            if (path === null || ENGINE_LOCK_FILE.test(path)) {
              file.memory = new Uint8Array(0);
            } else {
              const create = (flags & SQLITE_OPEN_CREATE) !== 0;
              file.created = create && !exists(path);
              if (file.created) makeFolders(dirname(path));
              file.fd = openSync(
                path,
                constants.O_RDWR | (create ? constants.O_CREAT : 0) | constants.O_NOFOLLOW,
                0o600,
              );
              file.deleteOnClose = (flags & SQLITE_OPEN_DELETEONCLOSE) !== 0;
            }
            // The engine allocated the sqlite3_file; point it at our methods.
            const handle = new capi.sqlite3_file(pFile);
            handle.$pMethods = io.pointer;
            handle.dispose();
            files.set(pFile, file);
            if (pOutFlags) wasm.poke32(pOutFlags, flags);
            return SQLITE_OK;
          } catch (error) {
            return fail(SQLITE_CANTOPEN, error);
          }
        },
        xDelete(_pVfs: number, zName: number, syncDir: number): number {
          const path = wasm.cstrToJs(zName);
          try {
            unlinkSync(path);
            if (syncDir) syncFolder(dirname(path));
            return SQLITE_OK;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') return SQLITE_OK;
            return fail(SQLITE_IOERR_DELETE, error);
          }
        },
        xAccess(_pVfs: number, zName: number, _flags: number, pOut: number): number {
          wasm.poke32(pOut, exists(wasm.cstrToJs(zName)) ? 1 : 0);
          return SQLITE_OK;
        },
        xFullPathname(_pVfs: number, zName: number, nOut: number, pOut: number): number {
          // The store passes absolute paths; remotes use the path of their file:// URL as given.
          const length = wasm.cstrncpy(pOut, zName, nOut);
          return length < nOut ? SQLITE_OK : SQLITE_CANTOPEN;
        },
        xGetLastError: (): number => 0,
      },
    },
  });
  installed.set(sqlite3, diagnostics);
  return diagnostics;
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Makes a folder's entries (a created or removed file name) durable. */
export function syncFolder(folder: string): void {
  const fd = openSync(folder, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
