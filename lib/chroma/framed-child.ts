/**
 * A child process spoken to in length-prefixed JSON frames over stdio (4-byte big-endian length, UTF-8 JSON),
 * answering requests in order. Runs inside the owner thread. No shell is involved in starting it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chromaError } from './errors.js';

export interface FramedReply {
  ok?: unknown;
  error?: { type: string; kind: string; message: string };
}

interface Waiter {
  resolve(reply: FramedReply): void;
  reject(error: Error): void;
}

export class FramedChild {
  readonly process: ChildProcess;
  private readonly waiters: Waiter[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  readonly exited: Promise<void>;
  /** Called (first) when the child exits while it was not asked to. It may throw to end the owner thread. */
  onUnexpectedExit: ((description: string) => void) | null = null;
  private stopping = false;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv) {
    this.process = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'], env, shell: false });
    this.process.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    // A write to a child that just died raises EPIPE here; the exit handler reports the real cause.
    this.process.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        const description = `the Python session host exited (${signal ? `signal ${signal}` : `code ${code}`})`;
        // First, so a handler that ends the thread does so before any waiter's rejection can be reported as
        // an ordinary op error.
        if (!this.stopping) this.onUnexpectedExit?.(description);
        for (const waiter of this.waiters.splice(0)) waiter.reject(new Error(description));
        resolve();
      });
      this.process.once('error', (error) => {
        this.exitInfo = { code: null, signal: null };
        if (!this.stopping) this.onUnexpectedExit?.(`the Python session host could not start: ${error.message}`);
        for (const waiter of this.waiters.splice(0)) waiter.reject(error);
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Sends one request; resolves with its reply frame. */
  request(message: unknown): Promise<FramedReply> {
    if (this.exitInfo) return Promise.reject(new Error('the Python session host is not running'));
    let body: Buffer;
    try {
      body = Buffer.from(JSON.stringify(message), 'utf8');
    } catch (error) {
      // A BigInt or a cycle: refused here, before a byte is sent, so the stream of frames stays intact.
      return Promise.reject(chromaError('invalid_argument', `the request cannot be encoded as JSON (${(error as Error).name})`));
    }
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32BE(body.length, 0);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.process.stdin!.write(Buffer.concat([header, body]));
    });
  }

  /** Marks the coming exit as expected, closes stdin, and SIGKILLs the child if it has not exited in time. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.process.stdin!.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.exited,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.process.kill('SIGKILL');
          resolve();
        }, graceMs);
      }),
    ]);
    clearTimeout(timer);
    await this.exited;
  }

  private onData(chunk: Buffer): void {
    // A large frame arrives in many chunks: keep them aside until the frame is complete and join them once
    // (joining on every chunk copies a frame of n chunks n times over).
    if (this.pending.length > 0 || (this.buffer.length >= 4 && this.buffer.length + chunk.length < 4 + this.buffer.readUInt32BE(0))) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.buffer.length + this.pendingBytes < 4 + this.buffer.readUInt32BE(0)) return;
      chunk = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUInt32BE(0);
      if (this.buffer.length < 4 + length) break;
      const body = this.buffer.subarray(4, 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(4 + length);
      const waiter = this.waiters.shift();
      if (!waiter) continue; // a reply nobody waits for cannot happen in order; ignore rather than crash
      try {
        waiter.resolve(JSON.parse(body) as FramedReply);
      } catch (error) {
        waiter.reject(error as Error);
      }
    }
  }
}
