/**
 * The DoltLite WebAssembly build as the store's engine, in the owner thread itself: the fallback for machines
 * without Python (a user of a remote Chroma server need not install any). A store file goes through a VFS over
 * `node:fs` (../vfs/node-fs-vfs.ts); both engines read and write the same file format, so a store can move
 * between them. Statements run synchronously; the promises only match the native engine's interface.
 */
import { loadDoltLite, type DoltLiteDb, type DoltLiteSqlite3 } from '../doltlite-wasm-types.js';
import { installNodeFsVfs, NODE_FS_VFS, type VfsDiagnostics } from '../vfs/node-fs-vfs.js';
import { EngineSqlError, type SqlEngine, type Statement } from './sql-engine.js';

export class WasmEngine implements SqlEngine {
  readonly kind = 'wasm' as const;
  readonly pid = undefined;

  private constructor(
    private readonly sqlite3: DoltLiteSqlite3,
    private readonly db: DoltLiteDb,
    /** The VFS's last I/O error, and a test hook that runs before each write. */
    readonly vfs: VfsDiagnostics,
  ) {}

  /** Opens `path` (in memory without one). */
  static async open(path: string | undefined): Promise<WasmEngine> {
    const sqlite3 = await loadDoltLite();
    const vfs = installNodeFsVfs(sqlite3);
    const db = path === undefined ? new sqlite3.oo1.DB(':memory:') : new sqlite3.oo1.DB({ filename: path, vfs: NODE_FS_VFS });
    return new WasmEngine(sqlite3, db, vfs);
  }

  rows(sql: string, bind?: unknown[]): Promise<Array<Record<string, unknown>>> {
    return this.run(() => this.db.selectObjects(sql, bindable(bind)));
  }

  arrays(sql: string, bind?: unknown[]): Promise<unknown[][]> {
    return this.run(() => this.db.selectArrays(sql, bindable(bind)));
  }

  async arraysJson(sql: string, bind?: unknown[]): Promise<string> {
    return JSON.stringify(await this.arrays(sql, bind));
  }

  value(sql: string, bind?: unknown[]): Promise<unknown> {
    return this.run(() => this.db.selectValue(sql, bindable(bind)));
  }

  async exec(sql: string, bind?: unknown[]): Promise<void> {
    await this.run(() => this.db.exec({ sql, bind: bindable(bind) }));
  }

  async batch(statements: Statement[]): Promise<unknown[]> {
    const results: unknown[] = [];
    for (const { sql, bind, want, ifPositive, ifInTransaction } of statements) {
      const skip = (ifPositive !== undefined && !((results[ifPositive] as number) > 0)) || (ifInTransaction && !this.inTransaction());
      if (skip) results.push(undefined);
      else if (want === 'rows') results.push(await this.rows(sql, bind));
      else if (want === 'arrays') results.push(await this.arrays(sql, bind));
      else if (want === 'value') results.push(await this.value(sql, bind));
      else results.push(await this.exec(sql, bind));
    }
    return results;
  }

  inTransaction(): boolean {
    return this.sqlite3.capi.sqlite3_get_autocommit(this.db.pointer!) === 0;
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private async run<T>(work: () => T): Promise<T> {
    this.vfs.lastError = null;
    try {
      return work();
    } catch (error) {
      const e = error as Error & { resultCode?: number };
      // For a file error the engine reports only a result code; the system's reason (ENOSPC, EACCES) is the VFS's.
      const io = this.vfs.lastError;
      throw new EngineSqlError(io ? `${e.message} (${io})` : e.message, e.resultCode);
    }
  }
}

/** The engine rejects an empty bind list for a statement without parameters. */
function bindable(bind: unknown[] | undefined): unknown[] | undefined {
  return bind && bind.length > 0 ? bind : undefined;
}
