/**
 * Starting and stopping throwaway servers (Chroma, MariaDB) on loopback: a free port chosen first, the process
 * kept under a guardian that kills it if we die, readiness awaited by the caller, stop by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { argError, checkFactoryToken, checkOptions, checkText, checkWholeNumber, FACTORY_TOKEN } from '../check-args.js';

const GUARD = fileURLToPath(new URL('./guard-main.js', import.meta.url));

const handedOut = new Set<number>();

/**
 * A free TCP port on 127.0.0.1 (the OS picks it; it is released just before the server binds it). Never the
 * same port twice in one process, so a server restarted on its old port cannot collide with a newer one.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await probePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function probePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export class GuardedProcess {
  private constructor(
    private readonly guard: ChildProcess,
    /** The server's own pid (for SIGSTOP/SIGCONT fault tests and diagnostics). */
    readonly pid: number,
    readonly exited: Promise<void>,
    token?: typeof FACTORY_TOKEN,
  ) {
    checkFactoryToken(token, 'GuardedProcess', 'GuardedProcess.start()');
  }

  /** Starts `command` under a guardian. `stopSignal` is sent on stop, SIGKILL after `graceMs`. */
  static async start(
    command: string,
    args: string[],
    options: {
      stopSignal?: NodeJS.Signals;
      graceMs?: number;
      onStderr?: (chunk: Buffer) => void;
      /** A private folder to remove once the server is stopped (also when we die). */
      cleanupDir?: string;
    } = {},
  ): Promise<GuardedProcess> {
    const where = 'GuardedProcess.start';
    checkText(where, 'command', command);
    if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string' && !arg.includes('\0'))) {
      throw argError(`${where}: args must be an array of strings without NUL characters`, 'ERR_INVALID_ARG_TYPE');
    }
    const { stopSignal, graceMs, onStderr, cleanupDir } = checkOptions(where, options, ['stopSignal', 'graceMs', 'onStderr', 'cleanupDir']);
    if (stopSignal !== undefined && (typeof stopSignal !== 'string' || !(stopSignal in constants.signals))) {
      throw argError(`${where}: stopSignal must be a signal name such as "SIGTERM"`, 'ERR_INVALID_ARG_VALUE');
    }
    checkWholeNumber(where, 'graceMs', graceMs, 0);
    if (onStderr !== undefined && typeof onStderr !== 'function') throw argError(`${where}: onStderr must be a function`, 'ERR_INVALID_ARG_TYPE');
    checkText(where, 'cleanupDir', cleanupDir, true);
    const guard = spawn(
      process.execPath,
      [GUARD, (stopSignal as string | undefined) ?? 'SIGTERM', String(graceMs ?? 10_000), (cleanupDir as string | undefined) ?? '-', command, ...args],
      { stdio: ['pipe', 'pipe', 'pipe'], shell: false },
    );
    guard.stderr!.on('data', (chunk: Buffer) => (onStderr as ((chunk: Buffer) => void) | undefined)?.(chunk));
    const exited = new Promise<void>((resolve) => guard.once('exit', () => resolve()));
    const firstLine = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: guard.stdout! });
      lines.once('line', (line) => {
        lines.close();
        resolve(line);
      });
      guard.once('exit', () => reject(new Error(`${command} did not start`)));
    });
    const { pid } = JSON.parse(firstLine) as { pid?: number };
    if (!pid) throw new Error(`${command} did not start`);
    return new GuardedProcess(guard, pid, exited, FACTORY_TOKEN);
  }

  /**
   * Lets our process exit while the server runs (call once it is ready): the guardian's stdin pipe, not our
   * event loop, ties its life to ours.
   */
  unref(): void {
    this.guard.unref();
    for (const stream of [this.guard.stdin, this.guard.stdout, this.guard.stderr]) {
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }
  }

  /** Stops the server (stop signal, then SIGKILL after the grace period) and waits until it is gone. */
  async stop(): Promise<void> {
    this.guard.ref(); // wait for the exit even if unref() was called
    this.guard.stdin!.end();
    await this.exited;
  }

  /** Resolves when the server (and its guardian) has exited. */
  async waitForExit(): Promise<void> {
    this.guard.ref();
    await this.exited;
  }

  /** Sends a signal to the server itself (SIGSTOP/SIGCONT/SIGKILL in fault tests). */
  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }
}
