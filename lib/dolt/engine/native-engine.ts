/**
 * Native libdoltlite (the PyPI `doltlite` wheel) as the store's engine, in a Python host process
 * (workers/doltlite_host.py) that the store's owner thread starts and speaks to in framed JSON over stdio,
 * one statement or one batch of statements per request. A commit of 100 documents into 100,000 costs a few milliseconds there, against a
 * hundred and more in the WebAssembly build over a JavaScript VFS, and opening reads only what queries touch.
 *
 * The host is a child of the owner thread: it dies with it (the host asks the kernel for SIGKILL when its
 * parent thread ends, and the executor SIGKILLs registered children when it terminates an owner), and an
 * unexpected exit of the host ends the owner thread so the executor restarts it. Before a new host opens the
 * file, the previous one (recorded beside the store) must be gone: a dying host still holds the file, and the
 * torn-commit repair must not race its last write.
 */
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FramedChild, type FramedReply } from '../../chroma/framed-child.js';
import { workerFile } from '../../paths.js';
import { forgetHost, recordHost, waitForRecordedHost } from '../../host-record.js';
import { pythonCandidates } from '../../python/discovery.js';
import type { OwnerContext } from '../../session.js';
import { EngineSqlError, engineUnavailable, type SqlEngine, type Statement } from './sql-engine.js';

interface RunReply {
  columns?: string[];
  rows?: unknown[][];
  json?: string;
  value?: unknown;
  tx: boolean;
}

export class NativeEngine implements SqlEngine {
  readonly kind = 'native' as const;
  private transaction = false;

  private constructor(
    private readonly child: FramedChild,
    private readonly context: OwnerContext,
    private readonly pidFile: string | null,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Starts the host and opens `path` (in memory without one). Rejects with `StoreEngineUnavailableError` when
   * there is no interpreter or it lacks the `doltlite` package (nothing was opened then).
   */
  static async open(path: string | undefined, python: string | undefined, context: OwnerContext): Promise<NativeEngine> {
    const interpreter = findInterpreter(python);
    const pidFile = path === undefined ? null : hostPidFile(path);
    if (path !== undefined) removePlantedLink(join(dirname(path), `.${basename(path)}-lock`));
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', SESSION_EXECUTOR_PARENT_PID: String(process.pid) };
    // An inherited bootstrap mark would make the package skip loading libdoltlite (see the host).
    delete env['_DOLTLITE_BOOTSTRAPPED'];
    const child = new FramedChild(interpreter, [workerFile('doltlite_host.py')], env);
    if (child.pid) context.registerChildProcess(child.pid);
    const engine = new NativeEngine(child, context, pidFile);
    try {
      if (pidFile && child.pid) recordHost(pidFile, child.pid);
      let reply: FramedReply;
      try {
        reply = await child.request({ op: 'open', path: path ?? null });
      } catch (error) {
        throw engineUnavailable(`the Python interpreter ${interpreter} could not run the store's engine host (${(error as Error).message}). ${INSTALL_HINT}`);
      }
      const error = reply.error as { kind: string; message: string; code?: number } | undefined;
      if (error?.kind === 'unavailable') throw engineUnavailable(`${interpreter}: ${error.message}. ${INSTALL_HINT}`);
      if (error) throw new EngineSqlError(error.message, error.code ?? undefined);
    } catch (error) {
      await engine.stop(1_000);
      throw error;
    }
    child.onUnexpectedExit = (description) => {
      // The engine is gone with its process: end the owner thread (this throw, from the child's exit event, is
      // uncaught on purpose) so the executor rejects what was running and restarts and re-opens the store.
      throw new Error(description.replace('Python session host', "store's engine host"));
    };
    return engine;
  }

  async rows(sql: string, bind?: unknown[]): Promise<Array<Record<string, unknown>>> {
    return records(await this.run(sql, bind, 'rows'));
  }

  async arrays(sql: string, bind?: unknown[]): Promise<unknown[][]> {
    return (await this.run(sql, bind, 'arrays')).rows ?? [];
  }

  async arraysJson(sql: string, bind?: unknown[]): Promise<string> {
    return (await this.run(sql, bind, 'json')).json ?? '[]';
  }

  async value(sql: string, bind?: unknown[]): Promise<unknown> {
    return (await this.run(sql, bind, 'value')).value;
  }

  async exec(sql: string, bind?: unknown[]): Promise<void> {
    await this.run(sql, bind, 'none');
  }

  async batch(statements: Statement[]): Promise<unknown[]> {
    const reply = await this.request({
      op: 'batch',
      statements: statements.map((s) => ({ ...s, bind: s.bind && s.bind.length > 0 ? s.bind : undefined, want: s.want ?? 'none' })),
    });
    return (reply as unknown as { results: Array<RunReply & { skipped?: boolean }> }).results.map((result, i) => {
      const want = statements[i]!.want ?? 'none';
      if (result.skipped) return undefined;
      return want === 'rows' ? records(result) : want === 'arrays' ? result.rows : want === 'value' ? result.value : undefined;
    });
  }

  inTransaction(): boolean {
    return this.transaction;
  }

  async close(): Promise<void> {
    this.child.onUnexpectedExit = null;
    try {
      await Promise.race([this.child.request({ op: 'close' }), this.child.exited]);
    } finally {
      await this.stop(5_000);
    }
  }

  private async stop(graceMs: number): Promise<void> {
    this.child.onUnexpectedExit = null;
    await this.child.stop(graceMs);
    if (this.child.pid) this.context.unregisterChildProcess(this.child.pid);
    if (this.pidFile) forgetHost(this.pidFile);
  }

  private run(sql: string, bind: unknown[] | undefined, want: 'rows' | 'arrays' | 'json' | 'value' | 'none'): Promise<RunReply> {
    return this.request({ op: 'run', sql, bind: bind && bind.length > 0 ? bind : undefined, want }) as Promise<RunReply>;
  }

  /** One request; keeps the transaction state every reply (and every statement error) carries. */
  private async request(message: object): Promise<{ tx: boolean }> {
    const reply = await this.child.request(message);
    if (reply.error) {
      const error = reply.error as { message: string; code?: number | null; tx?: boolean };
      if (typeof error.tx === 'boolean') this.transaction = error.tx;
      throw new EngineSqlError(error.message, error.code ?? undefined);
    }
    const ok = reply.ok as { tx: boolean };
    this.transaction = ok.tx;
    return ok;
  }
}

/** Rows as objects: the host sends the column names once and each row as an array. */
function records(reply: RunReply): Array<Record<string, unknown>> {
  const columns = reply.columns ?? [];
  return (reply.rows ?? []).map((row) => {
    const record: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) record[columns[i]!] = row[i];
    return record;
  });
}

const INSTALL_HINT =
  'The native store engine needs Python with the doltlite package: run "npx session-executor setup-python" once, ' +
  'or pass engine: "wasm" (and install @dolthub/doltlite-wasm) to run without Python';

/** The interpreter: the option, else the same places the embedded Chroma session looks (first that exists). */
function findInterpreter(option: string | undefined): string {
  const candidates = pythonCandidates(option);
  const explicit = candidates[0]!;
  if (explicit.source === 'python option' || explicit.source === 'SESSION_EXECUTOR_PYTHON') return explicit.path;
  const found = candidates.find((candidate) => existsSync(candidate.path));
  if (!found) throw engineUnavailable(`no Python environment was found (looked for ${candidates.map((c) => c.path).join(', ')}). ${INSTALL_HINT}`);
  return found.path;
}

/** `.<name>.engine` beside the store: the pid and start time of the host that has it open. */
function hostPidFile(path: string): string {
  return join(dirname(path), `.${basename(path)}.engine`);
}

/**
 * The engine keeps an empty lock file beside the store (`.<name>-lock`) and opens it without following links,
 * so a symbolic link planted there would make every open fail. The store's path lock is held: whatever is at
 * that name as a link is not the engine's, and is removed (never followed).
 */
function removePlantedLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Waits until the host recorded beside the store at `storePath` (by a previous owner in this process, or by a
 * process that died holding the store) has exited. The store's path lock is held, so such a host can only be
 * dying. Call it before checking or repairing the file.
 */
export async function waitForPreviousHost(storePath: string): Promise<void> {
  const running = await waitForRecordedHost(hostPidFile(storePath));
  if (running !== null) throw engineUnavailable(`the store's previous engine host (process ${running}) is still running; it was told to exit`);
}
