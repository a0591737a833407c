/**
 * Opens the Chroma session and the version store the CLI was pointed at: embedded defaults, or servers. The
 * read-only commands open them with `mustExist`, so a mistyped folder or name is an error instead of a new,
 * empty store or database.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Chroma } from '../chroma/chroma.js';
import { DoltLiteStore } from '../dolt/doltlite-store.js';
import { toMysql2Ssl, urlSettings } from '../dolt/mysql-connection-options.js';
import { MysqlStore } from '../dolt/mysql-store.js';
import { importPeer } from '../optional-peer.js';
import { makeFolders } from '../path-lock.js';
import type { VersionStore } from '../dolt/version-store.js';
import type { ExecutorOptions } from '../executor/options.js';
import type { Logger } from '../logger.js';
import { closeOnInterrupt } from './interrupt.js';

export interface ConnectOptions {
  /** Folder for the embedded Chroma database and the DoltLite store. */
  dataDir: string;
  /** `http://host:port` of a Chroma server instead of the embedded session. */
  chromaUrl?: string;
  /** `mysql://user:password@host:port/db` of a Dolt sql-server (or MySQL/MariaDB) instead of DoltLite. */
  doltUrl?: string;
  /** Python interpreter for the embedded session (else discovery decides). */
  python?: string;
  /** Fail instead of creating the data folder, the embedded databases or the store. */
  mustExist?: boolean;
  logger?: Logger;
}

/** Something the command needs is not there (and a read-only command does not create it). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

export interface Opened<T> {
  value: T;
  /** What is in use, for the output (never credentials). */
  description: string;
}

function executorOptions(options: ConnectOptions): ExecutorOptions {
  return { logger: options.logger, maxQueue: 10_000 };
}

/** Opens the Chroma session; Ctrl-C closes it, also while it is still opening. */
export function openChroma(options: ConnectOptions): Promise<Opened<Chroma>> {
  return closeOnInterrupt(startChroma(options), (opened) => opened.value.close(CHROMA_CLOSE));
}

/** Running operations are cancelled (a CLI that stops wants no more writes), with a deadline. */
const CHROMA_CLOSE = { mode: 'cancel', timeoutMs: 15_000 } as const;

async function startChroma(options: ConnectOptions): Promise<Opened<Chroma>> {
  const executor = executorOptions(options);
  // Offline and model-free: the CLI tracks changes, it does not search, so the token-hash embedder will do.
  const embeddingFunction = 'hash';
  if (options.chromaUrl) {
    const url = new URL(options.chromaUrl);
    const chroma = await Chroma.remote({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 8000)),
      ssl: url.protocol === 'https:',
      executor,
      embeddingFunction,
    });
    return { value: chroma, description: `Chroma server at ${url.protocol}//${url.host}` };
  }
  const path = join(resolve(options.dataDir), 'chroma');
  if (options.mustExist && !existsSync(path)) throw new NotFoundError(`no embedded Chroma database at ${path} (check --data)`);
  // Not mkdirSync(recursive): under /proc it never returns; this fails at once with PathNotUsableError.
  if (!options.mustExist) makeFolders(path);
  const chroma = await Chroma.embedded({ path, python: options.python, executor, embeddingFunction });
  return { value: chroma, description: `embedded Chroma (Python chromadb) in ${path}` };
}

/** Opens the version store; Ctrl-C closes it, also while it is still opening. */
export function openStore(options: ConnectOptions): Promise<Opened<VersionStore>> {
  return closeOnInterrupt(startStore(options), (opened) => opened.value.close());
}

async function startStore(options: ConnectOptions): Promise<Opened<VersionStore>> {
  if (options.doltUrl) {
    const store = options.mustExist ? await connectExistingServerStore(options.doltUrl) : await MysqlStore.connect({ url: options.doltUrl });
    const url = new URL(options.doltUrl);
    const kind = store.dialect === 'dolt' ? 'Dolt' : 'MySQL-protocol';
    return { value: store, description: `${kind} server at ${url.host}${url.pathname}` };
  }
  const path = join(resolve(options.dataDir), 'store.doltlite');
  if (options.mustExist && !existsSync(path)) throw new NotFoundError(`no version store at ${path} (check --data)`);
  if (!options.mustExist) makeFolders(resolve(options.dataDir));
  const store = await DoltLiteStore.open({ path, executor: executorOptions(options) });
  return { value: store, description: `embedded DoltLite, ${path}` };
}

/**
 * A server store that must exist already: connecting the store would create its tables in an empty database,
 * so one plain connection (with the URL's TLS settings) looks for them first.
 */
async function connectExistingServerStore(url: string): Promise<MysqlStore> {
  const mysql = await importPeer<typeof import('mysql2/promise')>('mysql2', 'MysqlStore', 'mysql2/promise');
  const parsed = new URL(url);
  const settings = urlSettings(parsed.searchParams);
  parsed.search = '';
  const connection = await mysql
    .createConnection({ uri: parsed.href, ssl: toMysql2Ssl(settings.ssl) as never, connectTimeout: settings.connectTimeoutMs ?? 10_000 })
    .catch(() => null); // unreachable or refused: the store's own connect reports it, typed and without secrets
  if (connection) {
    connection.on('error', () => {});
    try {
      const [rows] = (await connection.query(
        "SELECT COUNT(*) AS found FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'documents'",
      )) as unknown as [[{ found: number }]];
      const database = decodeURIComponent(parsed.pathname.slice(1));
      if (Number(rows[0].found) === 0) throw new NotFoundError(`no version store in database "${database}" (no documents table)`);
    } finally {
      await connection.end().catch(() => {});
    }
  }
  return MysqlStore.connect({ url });
}

export interface Connected {
  chroma: Chroma;
  store: VersionStore;
  describe: { chroma: string; store: string };
  close(): Promise<void>;
}

/** Both, opened at once; if one fails, the other is closed before the error is rethrown. */
export async function connect(options: ConnectOptions): Promise<Connected> {
  const [chroma, store] = await Promise.allSettled([openChroma(options), openStore(options)]);
  if (chroma.status === 'rejected' || store.status === 'rejected') {
    if (chroma.status === 'fulfilled') await chroma.value.value.close().catch(() => {});
    if (store.status === 'fulfilled') await store.value.value.close().catch(() => {});
    throw chroma.status === 'rejected' ? chroma.reason : (store as PromiseRejectedResult).reason;
  }
  return {
    chroma: chroma.value.value,
    store: store.value.value,
    describe: { chroma: chroma.value.description, store: store.value.description },
    close: async () => {
      await Promise.all([chroma.value.value.close(CHROMA_CLOSE), store.value.value.close()]);
    },
  };
}
