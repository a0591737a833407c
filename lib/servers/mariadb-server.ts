/**
 * A throwaway MariaDB server on 127.0.0.1 for tests and benchmarks (a Dolt sql-server cannot be installed on
 * these machines; MariaDB speaks the same protocol). Private data and tmp directories, utf8mb4, a free port,
 * a generated password, ready when the server says so, stopped by pid, directory removed.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GuardedProcess, freePort } from './guarded-server.js';

const run = promisify(execFile);

export interface MariaDbServer {
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  /** A mysql:// URL for the given database. The password is in it: do not log it. */
  url(database: string): string;
  process: GuardedProcess;
  /** Stops the server and keeps its data (for restart tests). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

/** The executable's path: Debian puts mariadbd in /usr/sbin, which is not always on a non-root PATH. */
function findBinary(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  throw new Error(`${name} not found: run "npm run setup" as root (it installs MariaDB from Debian packages), or install mariadb-server yourself`);
}

export async function startMariaDb(): Promise<MariaDbServer> {
  const mariadbd = findBinary('mariadbd');
  const installDb = findBinary('mariadb-install-db');
  // Short base path: the socket path must stay under 108 characters.
  const dir = mkdtempSync(join(tmpdir(), 'se-maria-'));
  const datadir = join(dir, 'data');
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  await run(installDb, ['--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asRoot], {
    env: { ...process.env, TMPDIR: tmp },
  });
  const user = 'session_executor';
  const password = randomBytes(12).toString('hex');
  const init = join(dir, 'init.sql');
  writeFileSync(
    init,
    `CREATE USER IF NOT EXISTS '${user}'@'127.0.0.1' IDENTIFIED BY '${password}';\n` +
      `GRANT ALL PRIVILEGES ON *.* TO '${user}'@'127.0.0.1';\nFLUSH PRIVILEGES;\n`,
    { mode: 0o600 },
  );
  const port = await freePort();
  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--tmpdir=${tmp}`,
    `--socket=${join(dir, 's')}`,
    `--pid-file=${join(dir, 'pid')}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
    '--skip-name-resolve',
    '--skip-log-bin',
    '--innodb-log-file-size=16M',
    '--innodb-buffer-pool-size=64M',
    `--init-file=${init}`,
    ...asRoot,
  ];
  let server = await launch(mariadbd, args, dir);
  const handle: MariaDbServer = {
    host: '127.0.0.1',
    port,
    user,
    password,
    url: (database) => `mysql://${user}:${password}@127.0.0.1:${port}/${database}`,
    get process() {
      return server;
    },
    kill: async () => {
      server.signal('SIGKILL');
      await server.waitForExit();
    },
    restart: async () => {
      server = await launch(mariadbd, args, dir);
    },
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** Starts mariadbd and resolves when it logs that it is ready for connections. */
async function launch(mariadbd: string, args: string[], dir: string): Promise<GuardedProcess> {
  let log = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const server = await GuardedProcess.start(mariadbd, args, {
    stopSignal: 'SIGTERM',
    graceMs: 15_000,
    cleanupDir: dir,
    onStderr: (chunk) => {
      log += chunk.toString();
      if (log.includes('ready for connections')) markReady();
    },
  });
  const died = server.exited.then(() => {
    throw new Error(`mariadbd exited during start: ${log.split('\n').filter((l) => /ERROR/.test(l)).slice(-3).join(' | ')}`);
  });
  await Promise.race([ready, died]);
  died.catch(() => {}); // a later exit (stop, kill) is expected
  server.unref();
  return server;
}
