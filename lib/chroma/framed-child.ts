/**
 * A child process spoken to in length-prefixed JSON frames over stdio (see frames.ts), answering requests in
 * order. Runs inside the owner thread. No shell is involved in starting it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chromaError } from './errors.js';
import { encodeFrame, FrameDecoder } from './frames.js';

export interface FramedReply {
  ok?: unknown;
  error?: { type: string; kind: string; message: string };
}

interface Waiter {
  /** Whether the reply is wanted as its body's bytes rather than parsed. */
  raw: boolean;
  resolve(reply: FramedReply | Buffer): void;
  reject(error: Error): void;
}

export class FramedChild {
  readonly process: ChildProcess;
  private readonly waiters: Waiter[] = [];
  private readonly decoder = new FrameDecoder((body) => this.onFrame(body));
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  readonly exited: Promise<void>;
  /** Called (first) when the child exits while it was not asked to. It may throw to end the owner thread. */
  onUnexpectedExit: ((description: string) => void) | null = null;
  private stopping = false;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv) {
    this.process = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'], env, shell: false });
    this.process.stdout!.on('data', (chunk: Buffer) => this.decoder.push(chunk));
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
    return this.send(message, false) as Promise<FramedReply>;
  }

  /**
   * Sends one request; resolves with its reply frame's body, the UTF-8 JSON bytes, unparsed (see frames.ts for
   * when they own their buffer): a large reply its caller passes on whole need never be a string here.
   */
  requestBytes(message: unknown): Promise<Buffer> {
    return this.send(message, true) as Promise<Buffer>;
  }

  private send(message: unknown, raw: boolean): Promise<FramedReply | Buffer> {
    if (this.exitInfo) return Promise.reject(new Error('the Python session host is not running'));
    let frame: Buffer;
    try {
      frame = encodeFrame(message);
    } catch (error) {
      // A BigInt or a cycle: refused here, before a byte is sent, so the stream of frames stays intact.
      return Promise.reject(chromaError('invalid_argument', `the request cannot be encoded as JSON (${(error as Error).name})`));
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ raw, resolve, reject });
      this.process.stdin!.write(frame);
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

  private onFrame(body: Buffer): void {
    const waiter = this.waiters.shift();
    if (!waiter) return; // a reply nobody waits for cannot happen in order; ignore rather than crash
    if (waiter.raw) {
      waiter.resolve(body);
      return;
    }
    try {
      waiter.resolve(JSON.parse(body.toString('utf8')) as FramedReply);
    } catch (error) {
      waiter.reject(error as Error);
    }
  }
}
