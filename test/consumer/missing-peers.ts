// What a user sees when a feature's optional client package is not installed.
import { MissingPeerDependencyError } from 'session-executor';
import { Chroma } from 'session-executor/chroma';
import { DoltLiteStore, MysqlStore } from 'session-executor/store';

async function failure(work: () => Promise<unknown>): Promise<[string, string]> {
  try {
    await work();
  } catch (error) {
    if (error instanceof MissingPeerDependencyError) return [error.code, error.packageName];
    throw error;
  }
  throw new Error('it did not fail');
}

console.log(
  JSON.stringify({
    mysql: await failure(() => MysqlStore.connect({ url: 'mysql://user@127.0.0.1:3306/db' })),
    // The WebAssembly engine (the store's engine without Python) is the optional package.
    doltlite: await failure(() => DoltLiteStore.open({ engine: 'wasm' })),
    remote: await failure(() => Chroma.remote({ host: '127.0.0.1', port: 1 })),
  }),
);
