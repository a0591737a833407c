/** Opens the Chroma session and the version store the CLI was pointed at: embedded defaults, or servers. */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Chroma } from '../chroma/chroma.js';
import { DoltLiteStore } from '../dolt/doltlite-store.js';
import { MysqlStore } from '../dolt/mysql-store.js';
import type { VersionStore } from '../dolt/version-store.js';
import type { ExecutorOptions } from '../executor/options.js';
import type { Logger } from '../logger.js';

export interface ConnectOptions {
  /** Folder for the embedded Chroma database and the DoltLite snapshot. */
  dataDir: string;
  /** `http://host:port` of a Chroma server instead of the embedded session. */
  chromaUrl?: string;
  /** `mysql://user:password@host:port/db` of a Dolt sql-server (or MySQL/MariaDB) instead of DoltLite. */
  doltUrl?: string;
  logger?: Logger;
}

export interface Connected {
  chroma: Chroma;
  store: VersionStore;
  /** What is in use, for the output (never credentials). */
  describe: { chroma: string; store: string };
  close(): Promise<void>;
}

export async function connect(options: ConnectOptions): Promise<Connected> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const executor: ExecutorOptions = { logger: options.logger, maxQueue: 10_000 };
  // Offline and model-free: the CLI tracks changes, it does not search, so the token-hash embedder will do.
  const embeddingFunction = 'hash';
  let chroma: Chroma;
  let chromaDescription: string;
  if (options.chromaUrl) {
    const url = new URL(options.chromaUrl);
    chroma = await Chroma.remote({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 8000)),
      ssl: url.protocol === 'https:',
      executor,
      embeddingFunction,
    });
    chromaDescription = `Chroma server at ${url.protocol}//${url.host}`;
  } else {
    const path = join(dataDir, 'chroma');
    chroma = await Chroma.embedded({ path, executor, embeddingFunction });
    chromaDescription = `embedded Chroma (Python chromadb) in ${path}`;
  }
  let store: Connected['store'];
  let storeDescription: string;
  try {
    if (options.doltUrl) {
      store = await MysqlStore.connect({ url: options.doltUrl });
      const url = new URL(options.doltUrl);
      storeDescription = `${(store as MysqlStore).dialect === 'dolt' ? 'Dolt' : 'MySQL-protocol'} server at ${url.host}${url.pathname}`;
    } else {
      const path = join(dataDir, 'store.doltlite');
      store = await DoltLiteStore.open({ path, executor });
      storeDescription = `embedded DoltLite, snapshot ${path}`;
    }
  } catch (error) {
    await chroma.close();
    throw error;
  }
  return {
    chroma,
    store,
    describe: { chroma: chromaDescription, store: storeDescription },
    close: async () => {
      await Promise.all([chroma.close({ mode: 'cancel', timeoutMs: 15_000 }), store.close()]);
    },
  };
}
