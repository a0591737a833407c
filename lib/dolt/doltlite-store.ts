/**
 * The embedded version store on the main thread: typed methods over the DoltLite owner thread, and the
 * store's path lock. The lock lives here, not in the owner, so a crashed or wedged owner that is terminated
 * and restarted neither leaks it nor loses it: the executor re-opens the store in a new owner while this
 * thread still holds the path, and only `close()` releases it, after the owner is gone.
 */
import { lstatSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ExistsCoalescer } from '../exists-coalescer.js';
import { acquirePathLock, type PathLock } from '../path-lock.js';
import { checkPathOption } from '../path-option.js';
import { checkFactoryToken, checkOneOf, checkOptions, checkText, checkWholeNumber, FACTORY_TOKEN } from '../check-args.js';
import { SessionExecutor } from '../executor/session-executor.js';
import { withOwnerHeapDefaults } from '../owner-heap.js';
import type { CloseOptions, ExecutorOptions } from '../executor/options.js';
import { requirePeer } from '../optional-peer.js';
import { sessionSpec } from '../session.js';
import { StoreArgumentError, StoreConnectionError, StoreError, storeExists } from './errors.js'; // also registers the typed store errors for this thread
import { ChangeStreamValidator, checkMessage, validateChangeSet } from './validate-changes.js';
import type DoltLiteSession from './doltlite-session.js';
import type { DoltLiteOptions, DoltLiteOwnerOptions } from './doltlite-session.js';
import { prepareStoreFile, StoreFormatError } from './doltlite-file.js';
import { StreamGate } from './stream-gate.js';
import { checkStoreArguments } from './validate-changes.js';
import { statementsByBytes } from './statement-batches.js';
import { SessionOpenError } from '../errors.js';
import { StoreEngineUnavailableError, type DoltLiteEngineKind } from './engine/sql-engine.js';

import type { ChangeBatch, ChangeSet, CommitInfo, DocumentChange, StreamedChangeSet, TableStatus, VersionStore } from './version-store.js';

/** Text per streamed-commit request to the owner (UTF-16 code units, roughly bytes for most text). */
const REQUEST_BYTES = 48 * 1024;

/** The most ids per `exists` batch; larger batches are split into several queries. */
const EXISTS_BATCH = 10_000;

/** Whether anything (a file, a folder, a dangling link) is at `path`. */
function pathTaken(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

/** What a failed clone made at `path`: the store file, and the engine's lock file and the branch file beside it. */
function removeFailedClone(path: string): void {
  for (const file of [path, join(dirname(path), `.${basename(path)}-lock`), join(dirname(path), `.${basename(path)}.branch`)]) {
    rmSync(file, { force: true });
  }
}

export class DoltLiteStore implements VersionStore {
  readonly dialect = 'doltlite' as const;

  /**
   * Opens (or creates) the store at `options.path` in a new owner thread; in memory without a path.
   * Throws `StoreLockedError` at once when another store (in this process or another) has the path open, and
   * `StoreFormatError` when the file is not a DoltLite store (the file is left untouched).
   */
  static async open(options: DoltLiteOptions & { executor?: ExecutorOptions } = {}): Promise<DoltLiteStore> {
    // Closed options, checked before anything opens: a misspelt `path` would otherwise mean an in-memory store.
    checkOptions('DoltLiteStore.open', options, ['path', 'cloneFrom', 'engine', 'python', 'executor']);
    checkPathOption('DoltLiteStore.open', (options as DoltLiteOptions | undefined)?.path, true);
    checkOneOf('DoltLiteStore.open', "option 'engine'", options?.engine, ['auto', 'native', 'wasm']);
    checkText('DoltLiteStore.open', "option 'python'", options?.python, true);
    checkText('DoltLiteStore.open', "option 'cloneFrom'", options?.cloneFrom, true);
    if (options?.engine === 'wasm') requirePeer('@dolthub/doltlite-wasm', 'DoltLiteStore', '@dolthub/doltlite-wasm/sqlite3-node.mjs');
    const { executor, ...open } = options ?? {};
    const path = open.path === undefined ? undefined : resolve(open.path);
    const lock = path === undefined ? null : acquirePathLock(path, 'store');
    let created = false;
    try {
      // Checked here too, read-only, so a foreign file fails with its own error class before any thread starts.
      if (path !== undefined) created = !prepareStoreFile(path, lock!.previousHolderDied ? 'report' : 'refuse').exists;
      const owner: DoltLiteOwnerOptions = {
        ...open,
        path,
        repairTornTail: lock?.previousHolderDied ?? false,
        opens: new SharedArrayBuffer(4),
      };
      const spec = sessionSpec<typeof DoltLiteSession>(new URL('./doltlite-session.js', import.meta.url), owner);
      return new DoltLiteStore(await SessionExecutor.start(spec, withOwnerHeapDefaults(executor)), lock, FACTORY_TOKEN);
    } catch (error) {
      // A clone that failed leaves no half-made store at its path (still locked here): the next attempt can run.
      if (created && open.cloneFrom !== undefined) removeFailedClone(path!);
      lock?.release();
      // A missing engine is the caller's to fix: its own class, not a failed open of an unknown cause; so is a
      // remote a clone cannot read.
      if (error instanceof SessionOpenError && error.cause instanceof StoreEngineUnavailableError) throw error.cause;
      if (error instanceof SessionOpenError && open.cloneFrom !== undefined && (error.cause instanceof StoreError || error.cause instanceof StoreFormatError)) throw error.cause;
      throw error;
    }
  }

  /**
   * Creates a store at `path` as a clone of a remote (a folder another store pushed to, or a `file://` URL).
   * A file at `path` already is refused with `StoreExistsError` (it is left untouched): a clone never opens an
   * existing store in its place.
   */
  static async clone(from: string, options: DoltLiteOptions & { path: string; executor?: ExecutorOptions }): Promise<DoltLiteStore> {
    checkText('DoltLiteStore.clone', 'the remote', from);
    checkOptions('DoltLiteStore.clone', options, ['path', 'engine', 'python', 'executor'], true);
    checkPathOption('DoltLiteStore.clone', options.path, false);
    const path = resolve(options.path);
    if (pathTaken(path)) throw storeExists(path);
    return DoltLiteStore.open({ ...options, cloneFrom: from });
  }

  private readonly coalesced = new ExistsCoalescer((collection, ids) => this.existing(collection, ids), EXISTS_BATCH);
  private readonly gate = new StreamGate();

  /**
   * @internal The owner's operations as the store's own methods reach them: while a streamed commit is open
   * (its transaction is the engine's one connection), every call waits for it to end.
   */
  readonly owner: Pick<SessionExecutor<typeof DoltLiteSession>, 'call'> = {
    call: (op, arg, options) => this.gate.after(() => this.executor.call(op, arg, options)),
  };

  private constructor(
    /**
     * The executor owning the DoltLite session (stats, events). Calls made on it directly do not wait for a
     * streamed commit: use the store's methods.
     */
    readonly executor: SessionExecutor<typeof DoltLiteSession>,
    private readonly lock: PathLock | null,
    token?: typeof FACTORY_TOKEN,
  ) {
    checkFactoryToken(token, 'DoltLiteStore', 'DoltLiteStore.open() or DoltLiteStore.clone()');
  }

  async ensureCollection(name: string, metadata?: Record<string, unknown>): Promise<void> {
    checkStoreArguments(name, undefined, metadata);
    await this.owner.call('ensureCollection', { name, metadata });
  }

  async documentHashes(collection: string): Promise<Map<string, string>> {
    checkStoreArguments(collection);
    // The owner passes the pairs on as one JSON text: at 100,000 documents, building them as objects there and
    // copying them here kept tens of megabytes in the owner thread's heap after every read.
    const json = await this.owner.call('documentHashes', { collection });
    try {
      return pairsToMap(json);
    } catch {
      // A snapshot beside the store that passed its checks yet is not pairs (written by something else): the
      // table itself answers, and its read replaces the snapshot.
      return pairsToMap(await this.owner.call('documentHashes', { collection, fresh: true }));
    }
  }

  async existing(collection: string, ids: string[]): Promise<Set<string>> {
    checkStoreArguments(collection, ids);
    if (ids.length === 0) return new Set();
    return new Set(await this.owner.call('existing', { collection, ids }));
  }

  exists(collection: string, id: string): Promise<boolean> {
    return this.coalesced.exists(collection, id);
  }

  async commitChanges(changes: ChangeSet): Promise<string | null> {
    validateChangeSet(changes); // refused before the engine is touched
    return this.owner.call('commitChanges', changes);
  }

  /**
   * A change set in parts, one transaction and one commit (see {@link VersionStore.commitStream}). Each part
   * goes to the owner (and the engine) once validated, in requests of a few tens of kilobytes; the transaction
   * opens with the first non-empty part. Other calls on this store wait until the stream has committed or
   * rolled back.
   */
  commitStream(changes: StreamedChangeSet): Promise<string | null> {
    return this.gate.exclusively(async () => {
      const validator = new ChangeStreamValidator(changes?.collection, changes?.message);
      ChangeStreamValidator.checkParts(changes.batches);
      let token: number | null = null;
      try {
        for await (let part of changes.batches) {
          validator.check(part);
          if ((part.upserts?.length ?? 0) + (part.deletes?.length ?? 0) === 0) continue;
          token ??= await this.executor.call('streamBegin', { collection: changes.collection, message: changes.message });
          await this.writePart(token, part);
          // Not held while the source produces the next part (its texts would outlive a young collection).
          part = {};
        }
        if (token === null) return null;
        const hash = await this.executor.call('streamCommit', token);
        token = null;
        return hash;
      } catch (error) {
        // The owner rolled back already if the engine failed; a bad part or a throwing source leaves it to us.
        // After a restart the stream is gone with the old engine (its rows were never committed).
        if (token !== null) await this.executor.call('streamAbort', token).catch(() => {});
        if (error instanceof StoreArgumentError && error.details['streamGone'] === true) {
          // Not the caller's mistake: the engine went away between two parts and took the transaction with it.
          throw new StoreConnectionError("the store's engine stopped while the streamed commit was open (it was restarted); nothing of the commit was written", error);
        }
        throw error;
      }
    });
  }

  /**
   * One part of a streamed commit, in requests of a few tens of kilobytes: the owner thread and the engine's
   * pipe then only ever handle strings small enough to die young, where a part of megabytes would leave
   * megabyte strings behind in each heap on the way until a full collection (the peak memory of a first stage).
   */
  private async writePart(token: number, part: ChangeBatch): Promise<void> {
    const upserts = part.upserts ?? [];
    for (const run of statementsByBytes(upserts, (d) => d.content.length + d.docId.length + 256, REQUEST_BYTES, Infinity)) {
      await this.executor.call('streamWrite', { token, upserts: run, deletes: [] });
    }
    if ((part.deletes?.length ?? 0) > 0) await this.executor.call('streamWrite', { token, upserts: [], deletes: part.deletes! });
  }

  /** Commits whatever the working set holds (null when it is clean). */
  async commit(message: string): Promise<string | null> {
    checkMessage(message);
    return this.owner.call('commit', message);
  }

  async log(limit = 100): Promise<CommitInfo[]> {
    checkWholeNumber('DoltLiteStore.log', 'limit', limit, 0);
    return this.owner.call('log', limit);
  }

  async head(): Promise<string | null> {
    return (await this.log(1))[0]?.hash ?? null;
  }

  status(): Promise<TableStatus[]> {
    return this.owner.call('status', undefined);
  }

  diff(toCommit: string, fromCommit?: string): Promise<DocumentChange[]> {
    return this.owner.call('diff', { to: toCommit, from: fromCommit });
  }

  activeBranch(): Promise<string> {
    return this.owner.call('activeBranch', undefined);
  }

  async createBranch(name: string): Promise<void> {
    await this.owner.call('createBranch', name);
  }

  async checkout(name: string): Promise<void> {
    await this.owner.call('checkout', name);
  }

  branches(): Promise<string[]> {
    return this.owner.call('branches', undefined);
  }

  /**
   * Which engine runs the store (`native` or `wasm`, see the `engine` option) and the native engine's process
   * id.
   */
  engine(): Promise<{ kind: DoltLiteEngineKind; pid: number | undefined }> {
    return this.owner.call('engine', undefined);
  }

  /** Queries the engine ran since the store opened (each SQL statement counts one). */
  queryCount(): Promise<number> {
    return this.owner.call('queries', undefined);
  }


  /** Closes the engine (every commit is already on disk), ends the owner thread, then releases the path. */
  async close(options?: CloseOptions): Promise<void> {
    try {
      await this.executor.close(options);
    } finally {
      this.lock?.release();
    }
  }
}

/** The pairs' JSON text as a map; throws unless it is an array of [id, hash] string pairs. */
function pairsToMap(json: string): Map<string, string> {
  const pairs = JSON.parse(json) as unknown;
  if (!Array.isArray(pairs)) throw new TypeError('document hashes: not an array');
  const map = new Map<string, string>();
  for (const pair of pairs) {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') throw new TypeError('document hashes: not a pair');
    map.set(pair[0], pair[1]);
  }
  return map;
}
