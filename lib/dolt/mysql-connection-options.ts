/**
 * The connection settings of the server-mode store that go beyond host, user and database: TLS, and the
 * parameters of a `mysql://` URL. Hosted Dolt and MySQL servers often accept TLS only, and their connection
 * strings carry the TLS mode as a URL parameter, so both must reach mysql2. An unknown URL parameter is an
 * error naming it rather than silently ignored (a typo in `ssl-mode` must not downgrade to plain text).
 */
import { readFileSync } from 'node:fs';
import { storeArgumentError } from './errors.js';

/** TLS settings, as Node's `tls.connect` takes them (PEM text for `ca`, `cert`, `key`). */
export interface MysqlTlsOptions {
  /** Certificate authorities to trust instead of Node's bundled ones. @default Node's bundled CAs */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate (for servers that require one). @default none */
  cert?: string | Buffer;
  /** Client private key. Never logged. @default none */
  key?: string | Buffer;
  /** Verify the server's certificate and host name. @default true */
  rejectUnauthorized?: boolean;
  /** Lowest TLS version accepted. @default Node's default */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** `true`: TLS with certificate verification; `false`: plain TCP; an object: TLS with these settings. */
export type MysqlSsl = boolean | MysqlTlsOptions;

/** What mysql2 takes as `ssl` (undefined: no TLS). */
export function toMysql2Ssl(ssl: MysqlSsl | undefined): MysqlTlsOptions | undefined {
  if (ssl === undefined || ssl === false) return undefined;
  if (ssl === true) return { rejectUnauthorized: true };
  return { rejectUnauthorized: true, ...ssl };
}

/** Settings a URL's parameters may carry; the option of the same meaning, when given, wins over the URL. */
export interface UrlSettings {
  ssl?: MysqlSsl;
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
  connections?: number;
}

const SSL_MODES: Record<string, MysqlSsl> = {
  disabled: false,
  // MySQL's REQUIRED and PREFERRED encrypt without verifying the certificate; VERIFY_* verify it.
  preferred: { rejectUnauthorized: false },
  required: { rejectUnauthorized: false },
  verify_ca: true,
  verify_identity: true,
};

/**
 * Reads `?ssl=true|false`, `ssl-mode=disabled|preferred|required|verify_ca|verify_identity` (also `sslmode`),
 * `ssl-ca`, `ssl-cert`, `ssl-key` (PEM file paths), `connectTimeout`, `queryTimeout` (ms) and
 * `connectionLimit`. Throws StoreArgumentError for anything else.
 */
export function urlSettings(parameters: URLSearchParams): UrlSettings {
  const settings: UrlSettings = {};
  const tls: MysqlTlsOptions = {};
  let mode: MysqlSsl | undefined;
  for (const [name, value] of parameters) {
    switch (name.toLowerCase().replace(/_/g, '-')) {
      case 'ssl':
        if (!['true', 'false', '1', '0'].includes(value)) throw storeArgumentError(`URL parameter ssl must be true or false`);
        mode = value === 'true' || value === '1';
        break;
      case 'ssl-mode':
      case 'sslmode': {
        const known = SSL_MODES[value.toLowerCase()];
        if (known === undefined) {
          throw storeArgumentError(`URL parameter ${name} must be one of ${Object.keys(SSL_MODES).join(', ')}`);
        }
        mode = known;
        break;
      }
      case 'ssl-ca':
      case 'sslca':
        tls.ca = readPem(name, value);
        break;
      case 'ssl-cert':
      case 'sslcert':
        tls.cert = readPem(name, value);
        break;
      case 'ssl-key':
      case 'sslkey':
        tls.key = readPem(name, value);
        break;
      case 'connecttimeout':
      case 'connect-timeout':
        settings.connectTimeoutMs = positiveInteger(name, value);
        break;
      case 'querytimeout':
      case 'query-timeout':
        settings.queryTimeoutMs = positiveInteger(name, value);
        break;
      case 'connectionlimit':
      case 'connection-limit':
        settings.connections = positiveInteger(name, value);
        break;
      default:
        throw storeArgumentError(`unknown URL parameter "${name}"`);
    }
  }
  const hasFiles = Object.keys(tls).length > 0;
  if (mode === false && hasFiles) throw storeArgumentError('the URL disables TLS and gives TLS files');
  if (mode !== undefined || hasFiles) {
    const base = mode === undefined || mode === true ? {} : mode === false ? undefined : mode;
    settings.ssl = base === undefined ? false : { ...base, ...tls };
  }
  return settings;
}

function readPem(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw storeArgumentError(`URL parameter ${name}: cannot read ${path}`);
  }
}

function positiveInteger(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0) throw storeArgumentError(`URL parameter ${name} must be a positive integer`);
  return number;
}
