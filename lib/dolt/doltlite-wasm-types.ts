/**
 * The few parts of the DoltLite WASM API (the upstream SQLite WASM "oo1" API) the store uses. The package ships
 * no type declarations; declaring them here keeps our emitted .d.ts files free of a dependency on them.
 */
export interface DoltLiteDb {
  readonly pointer: number | undefined;
  exec(options: { sql: string; bind?: unknown[] }): unknown;
  selectObjects(sql: string, bind?: unknown[]): Array<Record<string, unknown>>;
  selectArrays(sql: string, bind?: unknown[]): unknown[][];
  selectValue(sql: string, bind?: unknown[]): unknown;
  close(): void;
}

/** A C struct the WASM API binds (sqlite3_vfs, sqlite3_io_methods, sqlite3_file); members are `$name`. */
export interface WasmStruct {
  readonly pointer: number;
  dispose(): void;
  [member: `$${string}`]: unknown;
}

type WasmStructClass = (new (pointer?: number) => WasmStruct) & { structInfo: { sizeof: number } };

export interface DoltLiteSqlite3 {
  oo1: { DB: new (filename: string | { filename: string; vfs?: string; flags?: string }) => DoltLiteDb };
  vfs: {
    installVfs(options: {
      io: { struct: WasmStruct; methods: Record<string, (...args: any[]) => number> };
      vfs: { struct: WasmStruct; name: string; methods: Record<string, (...args: any[]) => number> };
    }): unknown;
  };
  capi: {
    sqlite3_vfs: WasmStructClass;
    sqlite3_io_methods: WasmStructClass;
    sqlite3_file: WasmStructClass;
    sqlite3_vfs_find(name: string | null): number;
    sqlite3_get_autocommit(db: number): number;
    sqlite3_js_db_export(pointer: number): Uint8Array;
    sqlite3_deserialize(db: number, schema: string, data: number, size: number, bufferSize: number, flags: number): number;
    sqlite3_backup_init(destination: number, destinationName: string, source: number, sourceName: string): number;
    sqlite3_backup_step(backup: number, pages: number): number;
    sqlite3_backup_finish(backup: number): number;
    SQLITE_DESERIALIZE_FREEONCLOSE: number;
    SQLITE_DESERIALIZE_RESIZEABLE: number;
  };
  wasm: {
    allocFromTypedArray(bytes: Uint8Array): number;
    heap8u(): Uint8Array;
    poke32(pointer: number, value: number): unknown;
    poke64(pointer: number, value: bigint): unknown;
    cstrToJs(pointer: number): string;
    cstrncpy(target: number, source: number, n: number): number;
  };
  config: { warn: (...args: unknown[]) => void };
}

/** The module's Node entry (the package root entry fails in Node: it cannot fetch its own wasm file there). */
const NODE_ENTRY: string = '@dolthub/doltlite-wasm/sqlite3-node.mjs';

export async function loadDoltLite(): Promise<DoltLiteSqlite3> {
  const module = (await import(NODE_ENTRY)) as {
    default: (options: { print(): void; printErr(): void }) => Promise<DoltLiteSqlite3>;
  };
  const sqlite3 = await module.default({ print: () => {}, printErr: () => {} });
  // The engine's own warnings print whole SQL texts; the store reports errors itself, without them.
  sqlite3.config.warn = () => {};
  return sqlite3;
}
