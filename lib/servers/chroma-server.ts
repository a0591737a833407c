/**
 * A local Chroma server (`chroma run` from the Python environment the embedded session uses) on 127.0.0.1, for tests and for
 * users who want one: a free port chosen first, ready when the heartbeat answers, stopped by pid with SIGKILL
 * (some Chroma server versions ignore SIGTERM and spin; data survives SIGKILL), and never left behind:
 * a guardian process kills it if the process that started it dies.
 */
import { existsSync } from 'node:fs';
import { checkOptions, checkText, checkWholeNumber } from '../check-args.js';
import { dirname, join } from 'node:path';
import { SETUP_COMMAND, findPython } from '../python/discovery.js';
import { GuardedProcess, freePort } from './guarded-server.js';

export interface ChromaServerOptions {
  /** Data directory (one server per directory: two servers on one directory do not lock each other out). Required. */
  path: string;
  /** @default a free port */
  port?: number;
  /** The `chroma` executable. @default the one next to the Python interpreter the embedded session would use */
  chromaBin?: string;
  /** How long to wait for the heartbeat. @default 30000 */
  readyTimeoutMs?: number;
}

export interface ChromaServer {
  host: '127.0.0.1';
  port: number;
  process: GuardedProcess;
  /** Kills the server (SIGKILL) and waits until it is gone; the data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
}

/**
 * Starts the server and resolves once it answers. Rejects with `ERR_INVALID_ARG_TYPE`/`ERR_INVALID_ARG_VALUE`/
 * `ERR_OUT_OF_RANGE` for bad options before anything is started or created on disk.
 */
export async function startChromaServer(options: ChromaServerOptions): Promise<ChromaServer> {
  const where = 'startChromaServer';
  checkOptions(where, options, ['path', 'port', 'chromaBin', 'readyTimeoutMs'], true);
  checkText(where, 'path', options.path);
  checkWholeNumber(where, 'port', options.port, 1, 65_535);
  checkText(where, 'chromaBin', options.chromaBin, true);
  checkWholeNumber(where, 'readyTimeoutMs', options.readyTimeoutMs, 1);
  const chromaBin = options.chromaBin ?? join(dirname(findPython().path), 'chroma');
  if (!existsSync(chromaBin)) {
    throw new Error(`chroma not found at ${chromaBin}: run "${SETUP_COMMAND}" (it installs chromadb), or pass chromaBin`);
  }
  const port = options.port ?? (await freePort());
  const args = ['run', '--path', options.path, '--host', '127.0.0.1', '--port', String(port)];
  const launch = async () => {
    // The server's output is dropped by the guardian (an unread pipe stalls it after a few hundred requests).
    const server = await GuardedProcess.start(chromaBin, args, { stopSignal: 'SIGKILL', graceMs: 0 });
    await waitForHeartbeat(port, options.readyTimeoutMs ?? 30_000, server);
    server.unref();
    return server;
  };
  let server = await launch();
  return {
    host: '127.0.0.1',
    port,
    get process() {
      return server;
    },
    stop: () => server.stop(),
    restart: async () => {
      server = await launch();
    },
  };
}

async function waitForHeartbeat(port: number, timeoutMs: number, server: GuardedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void server.exited.then(() => (exited = true));
  // A readiness probe of an external process: there is no event to wait for, so ask with a short back-off.
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    if (exited) throw new Error('the Chroma server exited during start');
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/v2/heartbeat`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`the Chroma server did not answer on port ${port} within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
