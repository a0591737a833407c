/**
 * Which engine opens the store: the one asked for, or for `auto` the native engine where a Python environment
 * with the `doltlite` package is found and the WebAssembly build otherwise. The choice is made in the owner
 * thread by trying: starting the native host tells in one step whether Python and `doltlite` are there,
 * cheaper than probing the interpreter first.
 */
import type { OwnerContext } from '../../session.js';
import type { DoltLiteOptions } from '../doltlite-session.js';
import { NativeEngine } from './native-engine.js';
import { engineUnavailable, StoreEngineUnavailableError, type SqlEngine } from './sql-engine.js';

export async function openEngine(options: DoltLiteOptions, context: OwnerContext): Promise<SqlEngine> {
  const wanted = options.engine ?? 'auto';
  if (wanted === 'wasm') return openWasm(options.path);
  try {
    return await NativeEngine.open(options.path, options.python, context);
  } catch (error) {
    if (wanted === 'native' || !(error instanceof StoreEngineUnavailableError)) throw error;
    try {
      return await openWasm(options.path);
    } catch (wasmError) {
      if (!(wasmError instanceof StoreEngineUnavailableError)) throw wasmError;
      throw engineUnavailable(`no DoltLite engine is available: ${error.message}; ${wasmError.message}`);
    }
  }
}

async function openWasm(path: string | undefined): Promise<SqlEngine> {
  try {
    // Loaded only when used: the native engine's opens need none of it.
    const { WasmEngine } = await import('./wasm-engine.js');
    return await WasmEngine.open(path);
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if ((e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && e.message?.includes('@dolthub/doltlite-wasm')) {
      throw engineUnavailable('the WebAssembly engine needs the package "@dolthub/doltlite-wasm": npm install @dolthub/doltlite-wasm');
    }
    throw error;
  }
}
