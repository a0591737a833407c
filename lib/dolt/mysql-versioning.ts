/**
 * Versioning on a MySQL-protocol server. On a Dolt sql-server: Dolt's documented procedures
 * (`CALL DOLT_CHECKOUT/DOLT_BRANCH/DOLT_MERGE/DOLT_RESET/DOLT_REVERT/DOLT_TAG/DOLT_REMOTE/DOLT_PUSH/DOLT_FETCH`),
 * functions (`HASHOF`, `DOLT_MERGE_BASE`), `AS OF` reads, the `DOLT_DIFF()` table function and the
 * `dolt_conflicts_documents` table. On MySQL/MariaDB (no versions) every operation is refused with
 * `UnsupportedOperationError` before anything is sent.
 *
 * UNTESTED: no Dolt server can be installed where this was written; it follows Dolt's documentation.
 *
 * A Dolt branch belongs to a connection, and the store uses a pool: every operation here takes one connection
 * and checks out the working branch on it first. Switching branches also persists the database's default
 * branch (`@@<db>_default_branch`), so new connections and a reopened store land on it.
 */
import { checkMessage } from './validate-changes.js';
import { storeArgumentError, checkBranchName, unrelatedHistories } from './errors.js';
import type { MysqlStore } from './mysql-store.js';
import { unsupportedVersioning } from './unsupported-versioning.js';
import {
  checkRef,
  checkRemoteUrl,
  checkChunkWindow,
  checkDocumentsAtOptions,
  refuseNameOfOtherKind,
  unlessExists,
  unlessMissing,
  collectionDeltas,
  CONFLICT_COLUMNS,
  conflictFromRow,
  DOCUMENT_DIFF_COLUMNS,
  documentDeltas,
  parseMetadata,
} from './versioning-shared.js';
import type {
  BranchInfo,
  CommitDelta,
  MergeConflict,
  MergeOutcome,
  RemoteInfo,
  StageAllChanges,
  StoredCollection,
  StoredDocument,
  TagInfo,
  VersioningStore,
} from './versioning.js';

type Run = (sql: string, values?: unknown[]) => Promise<unknown>;

/** Rows per multi-row INSERT in a stage-all (the store's own writes batch the same way). */
const ROWS_PER_INSERT = 500;

export function mysqlVersioning(store: MysqlStore): VersioningStore {
  return store.dialect === 'dolt' ? new DoltServerVersioning(store) : unsupportedVersioning(store.dialect);
}

async function rows<T>(run: Run, sql: string, values: unknown[] = []): Promise<T[]> {
  const [result] = (await run(sql, values)) as [T[]];
  return result;
}

/** A procedure's first result row (mysql2 returns CALL results as [rows, okPacket]). */
async function callRow<T>(run: Run, sql: string, values: unknown[] = []): Promise<T | undefined> {
  const [result] = (await run(sql, values)) as [Array<T[]> | T[]];
  const first = (Array.isArray(result[0]) ? (result[0] as T[]) : (result as T[]))[0];
  return first;
}

/** Counts rows of a `SELECT count(*) AS n ...` on this connection (for {@link unlessExists}). */
const countWith = (run: Run) => async (sql: string, values: unknown[]) => (await callRow<{ n: number }>(run, sql, values))?.n ?? 0;

class DoltServerVersioning implements VersioningStore {
  /** The working branch; null until read from the server's default. */
  private branch: string | null = null;
  /** The connection holding an open merge with conflicts (its transaction stays open until commit or abort). */
  private mergeSession: { run: Run; release: () => void; before: string } | null = null;

  constructor(private readonly store: MysqlStore) {}

  private async on<T>(work: (run: Run) => Promise<T>): Promise<T> {
    if (this.mergeSession) return work(this.mergeSession.run);
    return this.store.withConnection(async (run) => {
      if (this.branch === null) this.branch = (await callRow<{ b: string }>(run, 'SELECT active_branch() AS b'))!.b;
      else await run('CALL DOLT_CHECKOUT(?)', [this.branch]);
      return work(run);
    });
  }

  private async hashOf(run: Run, ref: string): Promise<string> {
    try {
      return (await callRow<{ h: string }>(run, 'SELECT HASHOF(?) AS h', [checkRef(ref)]))!.h;
    } catch {
      throw storeArgumentError(`unknown ref: ${ref}`);
    }
  }

  resolve(ref: string): Promise<string> {
    return this.on((run) => this.hashOf(run, ref));
  }

  branches(): Promise<BranchInfo[]> {
    return this.on(async (run) =>
      (await rows<{ name: string; hash: string; latest_commit_message: string }>(run, 'SELECT name, hash, latest_commit_message FROM dolt_branches ORDER BY name')).map(
        (r) => ({ name: r.name, head: r.hash, message: r.latest_commit_message }),
      ),
    );
  }

  activeBranch(): Promise<string> {
    return this.on(async (run) => (await callRow<{ b: string }>(run, 'SELECT active_branch() AS b'))!.b);
  }

  async createBranch(name: string, from?: string): Promise<void> {
    checkBranchName(name);
    await this.on(async (run) => {
      const start = await this.hashOf(run, from ?? 'HEAD');
      await refuseNameOfOtherKind('branch', name, countWith(run));
      return unlessExists('branch', name, countWith(run), () => run('CALL DOLT_BRANCH(?, ?)', [name, start]));
    });
  }

  async deleteBranch(name: string, force = false): Promise<void> {
    checkBranchName(name);
    if (name === (await this.activeBranch())) throw storeArgumentError(`cannot delete the current branch ${name}`);
    await this.on((run) => unlessMissing('branch', name, countWith(run), () => run('CALL DOLT_BRANCH(?, ?)', [force ? '-D' : '-d', name])));
  }

  async renameBranch(from: string, to: string, force = false): Promise<void> {
    checkBranchName(from);
    checkBranchName(to);
    await this.on(async (run) => {
      await refuseNameOfOtherKind('branch', to, countWith(run));
      return unlessMissing('branch', from, countWith(run), () =>
        unlessExists('branch', to, countWith(run), () => run('CALL DOLT_BRANCH(?, ?, ?)', [force ? '-M' : '-m', from, to])));
    });
    if (this.branch === from) await this.switchBranch(to);
  }

  async switchBranch(name: string): Promise<void> {
    checkBranchName(name);
    if (this.mergeSession) throw storeArgumentError('a merge is open: commit or abort it before switching branches');
    await this.store.withConnection(async (run) => {
      await run('CALL DOLT_CHECKOUT(?)', [name]);
      const [[{ db }]] = (await run('SELECT DATABASE() AS db')) as [[{ db: string }]];
      // The variable's name contains the database name; identifiers cannot be parameters, so it is quoted.
      await run(`SET PERSIST \`${db.replace(/`/g, '``')}_default_branch\` = ?`, [name]);
    });
    this.branch = name;
  }

  delta(from: string, to: string): Promise<CommitDelta> {
    return this.on(async (run) => {
      const [a, b] = [await this.hashOf(run, from), await this.hashOf(run, to)];
      if (a === b) return { documents: [], collections: [] };
      const documents = await rows<Record<string, unknown>>(run, `SELECT ${DOCUMENT_DIFF_COLUMNS} FROM DOLT_DIFF(?, ?, 'documents')`, [a, b]);
      const collections = await rows<Record<string, unknown>>(
        run,
        "SELECT from_name, to_name, to_metadata, diff_type FROM DOLT_DIFF(?, ?, 'collections')",
        [a, b],
      );
      return { documents: documentDeltas(documents), collections: collectionDeltas(collections) };
    });
  }

  async documentsAt(ref: string, options: { collection?: string; docIds?: string[] } = {}): Promise<StoredDocument[]> {
    checkDocumentsAtOptions(options);
    if (options.docIds?.length === 0) return Promise.resolve([]);
    return this.on(async (run) => {
      const commit = await this.hashOf(run, ref);
      const where: string[] = [];
      const values: unknown[] = [commit];
      if (options.collection !== undefined) {
        where.push('collection_name = ?');
        values.push(options.collection);
      }
      if (options.docIds !== undefined) {
        where.push(`doc_id IN (${options.docIds.map(() => '?').join(', ')})`);
        values.push(...options.docIds);
      }
      const found = await rows<{ doc_id: string; collection_name: string; content: string; content_hash: string; metadata: unknown }>(
        run,
        `SELECT doc_id, collection_name, content, content_hash, metadata FROM documents AS OF ?
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`,
        values,
      );
      return found.map((r) => ({ collection: r.collection_name, docId: r.doc_id, content: r.content, contentHash: r.content_hash, metadata: parseMetadata(r.metadata) }));
    });
  }

  collectionsAt(ref: string): Promise<StoredCollection[]> {
    return this.on(async (run) =>
      (await rows<{ name: string; metadata: unknown }>(run, 'SELECT name, metadata FROM collections AS OF ? ORDER BY name', [await this.hashOf(run, ref)])).map(
        (r) => ({ name: r.name, metadata: parseMetadata(r.metadata) }),
      ),
    );
  }

  async chunkTotals(size: number, overlap: number): Promise<Map<string, { documents: number; chunks: number }>> {
    checkChunkWindow(size, overlap);
    return this.on(async (run) => {
      const found = await rows<{ collection_name: string; documents: number; chunks: number }>(
        run,
        `SELECT collection_name, COUNT(*) AS documents,
                SUM(CASE WHEN CHAR_LENGTH(content) <= ? THEN 1 ELSE FLOOR((CHAR_LENGTH(content) - ? + ? - 1) / ?) + 1 END) AS chunks
         FROM documents GROUP BY collection_name`,
        [size, size, size - overlap, size - overlap],
      );
      return new Map(found.map((r) => [r.collection_name, { documents: Number(r.documents), chunks: Number(r.chunks) }]));
    });
  }

  mergeBase(a: string, b: string): Promise<string> {
    return this.on((run) => this.baseOf(run, checkRef(a), checkRef(b)));
  }

  /** The common commit; none (histories from two stores) is the caller's `UnrelatedHistoriesError`. */
  private async baseOf(run: Run, a: string, b: string): Promise<string> {
    const base = (await callRow<{ h: string | null }>(run, 'SELECT DOLT_MERGE_BASE(?, ?) AS h', [a, b]))?.h;
    if (typeof base !== 'string' || base.length === 0) throw unrelatedHistories(a, b);
    return base;
  }

  parents(commit: string): Promise<string[]> {
    return this.on(async (run) =>
      (await rows<{ parent_hash: string }>(run, 'SELECT parent_hash FROM dolt_commit_ancestors WHERE commit_hash = ? ORDER BY parent_index', [
        await this.hashOf(run, commit),
      ])).map((r) => r.parent_hash),
    );
  }

  async merge(branch: string, message: string): Promise<MergeOutcome> {
    checkMessage(message);
    if (this.mergeSession) throw storeArgumentError('a merge is open: commit or abort it before merging again');
    checkRef(branch);
    // The merge keeps its connection, and its transaction, while conflicts are open.
    const pool = this.store;
    return new Promise<MergeOutcome>((resolve, reject) => {
      void pool
        .withConnection(async (run) => {
          if (this.branch !== null) await run('CALL DOLT_CHECKOUT(?)', [this.branch]);
          const before = await this.hashOf(run, 'HEAD');
          await this.baseOf(run, 'HEAD', branch);
          await run('SET @@dolt_allow_commit_conflicts = 1');
          await run('START TRANSACTION');
          const result = await callRow<{ hash: string; fast_forward: number; conflicts: number }>(run, "CALL DOLT_MERGE('-m', ?, ?)", [message, branch]);
          if ((result?.conflicts ?? 0) > 0) {
            const released = new Promise<void>((done) => {
              this.mergeSession = { run, release: done, before };
            });
            resolve({ status: 'conflicts', before, after: before, conflicts: await this.conflicts() });
            await released;
            return;
          }
          await run('COMMIT');
          const after = await this.hashOf(run, 'HEAD');
          resolve({
            status: after === before ? 'up-to-date' : result?.fast_forward ? 'fast-forward' : 'merged',
            before,
            after,
            conflicts: [],
          });
        })
        .catch(reject);
    });
  }

  async conflicts(): Promise<MergeConflict[]> {
    if (!this.mergeSession) return [];
    const found = await rows<Record<string, unknown>>(this.mergeSession.run, `SELECT ${CONFLICT_COLUMNS} FROM dolt_conflicts_documents`);
    return found.map(conflictFromRow);
  }

  async resolveConflict(collection: string, docId: string, choice: 'ours' | 'theirs' | StoredDocument): Promise<void> {
    const session = this.mergeSession;
    if (!session) throw storeArgumentError('no merge is open');
    const match = `COALESCE(our_collection_name, their_collection_name, base_collection_name) = ?
                   AND COALESCE(our_doc_id, their_doc_id, base_doc_id) = ?`;
    const [row] = await rows<Record<string, unknown>>(
      session.run,
      `SELECT their_doc_id, their_content, their_content_hash, their_metadata FROM dolt_conflicts_documents WHERE ${match}`,
      [collection, docId],
    );
    if (!row) throw storeArgumentError(`no conflict on ${collection}/${docId}`);
    const replacement =
      choice === 'ours'
        ? undefined
        : choice === 'theirs'
          ? row['their_doc_id'] === null
            ? null
            : { content: row['their_content'], hash: row['their_content_hash'], metadata: JSON.stringify(parseMetadata(row['their_metadata'])) }
          : { content: choice.content, hash: choice.contentHash, metadata: JSON.stringify(choice.metadata ?? {}) };
    if (replacement === null) {
      await session.run('DELETE FROM documents WHERE collection_name = ? AND doc_id = ?', [collection, docId]);
    } else if (replacement !== undefined) {
      await session.run(
        `INSERT INTO documents (doc_id, collection_name, content, content_hash, metadata) VALUES (?, ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE content = VALUES(content), content_hash = VALUES(content_hash), metadata = VALUES(metadata)`,
        [docId, collection, replacement.content, replacement.hash, replacement.metadata],
      );
    }
    await session.run(`DELETE FROM dolt_conflicts_documents WHERE ${match}`, [collection, docId]);
  }

  async commitMerge(message: string): Promise<string> {
    checkMessage(message);
    const session = this.mergeSession;
    if (!session) throw storeArgumentError('no merge is open');
    if ((await this.conflicts()).length > 0) throw storeArgumentError('resolve every conflict before committing the merge');
    await session.run("CALL DOLT_COMMIT('-A', '-m', ?)", [message]);
    await session.run('COMMIT');
    const after = await this.hashOf(session.run, 'HEAD');
    this.mergeSession = null;
    session.release();
    return after;
  }

  async abortMerge(): Promise<void> {
    const session = this.mergeSession;
    if (!session) return;
    this.mergeSession = null;
    try {
      await session.run("CALL DOLT_MERGE('--abort')");
    } finally {
      await session.run('ROLLBACK').catch(() => {});
      session.release();
    }
  }

  async merging(): Promise<boolean> {
    return this.mergeSession !== null;
  }

  async resetHard(ref: string): Promise<void> {
    await this.on(async (run) => run("CALL DOLT_RESET('--hard', ?)", [await this.hashOf(run, ref)]));
  }

  revert(commit: string): Promise<string> {
    return this.on(async (run) => {
      await run('CALL DOLT_REVERT(?)', [await this.hashOf(run, commit)]);
      return this.hashOf(run, 'HEAD');
    });
  }

  async stageAll(changes: StageAllChanges): Promise<string | null> {
    checkMessage(changes?.message);
    return this.on(async (run) => {
      await run('START TRANSACTION');
      try {
        for (const c of changes.upsertCollections) {
          await run('INSERT INTO collections (name, metadata) VALUES (?, ?) ON DUPLICATE KEY UPDATE metadata = VALUES(metadata)', [
            c.name,
            JSON.stringify(c.metadata ?? {}),
          ]);
        }
        for (const name of changes.deleteCollections) {
          await run('DELETE FROM documents WHERE collection_name = ?', [name]);
          await run('DELETE FROM collections WHERE name = ?', [name]);
        }
        for (let i = 0; i < changes.upsertDocuments.length; i += ROWS_PER_INSERT) {
          const slice = changes.upsertDocuments.slice(i, i + ROWS_PER_INSERT);
          await run(
            `INSERT INTO documents (doc_id, collection_name, content, content_hash, metadata) VALUES ${slice.map(() => '(?, ?, ?, ?, ?)').join(', ')}
             ON DUPLICATE KEY UPDATE content = VALUES(content), content_hash = VALUES(content_hash), metadata = VALUES(metadata)`,
            slice.flatMap((d) => [d.docId, d.collection, d.content, d.contentHash, JSON.stringify(d.metadata ?? {})]),
          );
        }
        for (const d of changes.deleteDocuments) {
          await run('DELETE FROM documents WHERE collection_name = ? AND doc_id = ?', [d.collection, d.docId]);
        }
        await run('COMMIT');
      } catch (error) {
        await run('ROLLBACK').catch(() => {});
        throw error;
      }
      const status = await rows<unknown>(run, 'SELECT table_name FROM dolt_status');
      if (status.length === 0) return null;
      await run("CALL DOLT_ADD('-A')");
      const row = await callRow<{ hash: string }>(run, "CALL DOLT_COMMIT('-m', ?)", [changes.message]);
      return row?.hash ?? null;
    });
  }

  async createTag(name: string, ref?: string, message?: string): Promise<void> {
    checkBranchName(name, 'tag');
    await this.on(async (run) => {
      const commit = await this.hashOf(run, ref ?? 'HEAD');
      await refuseNameOfOtherKind('tag', name, countWith(run));
      return unlessExists('tag', name, countWith(run), () => run('CALL DOLT_TAG(?, ?, ?, ?)', ['-m', message ?? '', name, commit]));
    });
  }

  tags(): Promise<TagInfo[]> {
    return this.on(async (run) =>
      (await rows<{ tag_name: string; tag_hash: string; message: string }>(run, 'SELECT tag_name, tag_hash, message FROM dolt_tags ORDER BY tag_name')).map(
        (r) => ({ name: r.tag_name, commit: r.tag_hash, message: r.message ?? '' }),
      ),
    );
  }

  async deleteTag(name: string): Promise<void> {
    checkBranchName(name, 'tag');
    await this.on((run) => unlessMissing('tag', name, countWith(run), () => run("CALL DOLT_TAG('-d', ?)", [name])));
  }

  async addRemote(name: string, url: string): Promise<void> {
    checkBranchName(name, 'remote');
    checkRemoteUrl(url);
    await this.on((run) => unlessExists('remote', name, countWith(run), () => run("CALL DOLT_REMOTE('add', ?, ?)", [name, url])));
  }

  async removeRemote(name: string): Promise<void> {
    checkBranchName(name, 'remote');
    await this.on((run) => unlessMissing('remote', name, countWith(run), () => run("CALL DOLT_REMOTE('remove', ?)", [name])));
  }

  remotes(): Promise<RemoteInfo[]> {
    return this.on((run) => rows<RemoteInfo>(run, 'SELECT name, url FROM dolt_remotes ORDER BY name'));
  }

  async push(remote: string, branch: string): Promise<void> {
    checkBranchName(remote, 'remote');
    checkBranchName(branch);
    await this.on((run) => run('CALL DOLT_PUSH(?, ?)', [remote, branch]));
  }

  async fetch(remote: string, branch?: string): Promise<void> {
    checkBranchName(remote, 'remote');
    if (branch !== undefined) checkBranchName(branch);
    await this.on((run) => (branch === undefined ? run('CALL DOLT_FETCH(?)', [remote]) : run('CALL DOLT_FETCH(?, ?)', [remote, branch])));
  }

  async pull(remote: string, branch: string): Promise<MergeOutcome> {
    await this.fetch(remote, branch);
    return this.merge(`${remote}/${branch}`, `Merge ${remote}/${branch}`);
  }
}
