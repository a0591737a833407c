/**
 * The few parts of the DoltLite WASM API (the upstream SQLite WASM "oo1" API) the store uses. The package ships
 * no type declarations; declaring them here keeps our emitted .d.ts files free of a dependency on them.
 */
export interface DoltLiteDb {
  readonly pointer: number | undefined;
  exec(options: { sql: string; bind?: unknown[] }): unknown;
  selectObjects(sql: string, bind?: unknown[]): Array<Record<string, unknown>>;
  selectValue(sql: string, bind?: unknown[]): unknown;
  close(): void;
}

export interface DoltLiteSqlite3 {
  oo1: { DB: new (filename: string) => DoltLiteDb };
  capi: {
    sqlite3_js_db_export(pointer: number): Uint8Array;
    sqlite3_deserialize(db: number, schema: string, data: number, size: number, bufferSize: number, flags: number): number;
    sqlite3_backup_init(destination: number, destinationName: string, source: number, sourceName: string): number;
    sqlite3_backup_step(backup: number, pages: number): number;
    sqlite3_backup_finish(backup: number): number;
    SQLITE_DESERIALIZE_FREEONCLOSE: number;
    SQLITE_DESERIALIZE_RESIZEABLE: number;
  };
  wasm: { allocFromTypedArray(bytes: Uint8Array): number };
  config: { warn: (...args: unknown[]) => void };
}

/** The module's Node entry (the package root entry fails in Node: see FACTS.md). */
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
