/**
 * DoltLite's version control as owner-thread operations, written against a minimal SQL runner so the
 * DoltLite session only has to spread them into its ops. Everything here is DoltLite's own Dolt SQL
 * functions (`dolt_checkout`, `dolt_merge`, `dolt_reset`, ...) and tables (`dolt_branches`,
 * `dolt_conflicts_documents`, `dolt_at_<table>(ref)`, `dolt_diff_<table>(from, to)`, ...).
 *
 * Two engine facts shape the merge: DoltLite has no detached HEAD (the repository keeps that state itself), and
 * a merge with conflicts can only be inspected inside an open SQL transaction (in autocommit mode it is rolled
 * back). So a conflicting merge leaves its transaction open in the owner until it is committed
 * (`dolt_commit` ends it) or aborted (`ROLLBACK`); a crash or restart meanwhile simply aborts it.
 */
import { checkBranchName, pushRejected, storeArgumentError, StoreError, unrelatedHistories, unresolvableMerge } from './errors.js';
import {
  checkRef,
  checkRemoteUrl,
  collectionDeltas,
  CONFLICT_COLUMNS,
  conflictFromRow,
  DOCUMENT_DIFF_COLUMNS,
  documentDeltas,
  parseMetadata,
  refuseNameOfOtherKind,
  unlessExists,
  unlessMissing,
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
} from './versioning.js';

/** What the operations need from the session: counted, error-mapped statements, and a way to persist. */
export interface SqlRunner {
  select<T>(sql: string, bind?: unknown[]): Promise<T[]>;
  value<T>(sql: string, bind?: unknown[]): Promise<T>;
  exec(sql: string, bind?: unknown[]): Promise<void>;
  /** Called after every change to refs or commits, so it reaches disk. */
  persist(): Promise<void>;
}

/** Counts rows with this runner (for {@link unlessExists}). */
const count = (sql: SqlRunner) => (query: string, values: unknown[]) => sql.value<number>(query, values);

interface DocRow {
  doc_id: string;
  collection_name: string;
  content: string;
  content_hash: string;
  metadata: string;
}

function toStoredDocument(row: DocRow): StoredDocument {
  return {
    collection: row.collection_name,
    docId: row.doc_id,
    content: row.content,
    contentHash: row.content_hash,
    metadata: parseMetadata(row.metadata),
  };
}

/** The state of an open merge the owner keeps between operations. */
interface OpenMerge {
  before: string;
}

/**
 * The versioning operations over `runner(state)`. `S` is the session state; the merge in progress is kept
 * per state object.
 */
export function doltLiteVersioningOps<S extends object>(runner: (state: S) => SqlRunner) {
  const merges = new WeakMap<S, OpenMerge>();

  async function resolve(sql: SqlRunner, ref: string): Promise<string> {
    checkRef(ref);
    try {
      return await sql.value<string>('SELECT dolt_hashof(?)', [ref]);
    } catch {
      // A tag is a ref too; dolt_hashof does not read tags in every version.
      const tag = (await sql.select<{ tag_hash: string }>('SELECT tag_hash FROM dolt_tags WHERE tag_name = ?', [ref]))[0];
      if (tag) return tag.tag_hash;
      throw storeArgumentError(`unknown ref: ${ref}`);
    }
  }

  /**
   * Whether `commit` holds the store's tables. The engine's first commit ("Initialize data repository") does
   * not, nor does one that reverted the schema; `log` lists them, so they can be checked out, reset to or
   * diffed against. Reading such a commit with `dolt_at_<table>` fails and diffing against it yields no rows,
   * so the reads below take it for what it is to the working copy: a commit with no collections and no
   * documents. One statement; `dolt_hashof_table` fails exactly when the table is missing at the commit.
   */
  async function hasSchema(sql: SqlRunner, commit: string): Promise<boolean> {
    try {
      await sql.value("SELECT dolt_hashof_table('documents', ?1) || dolt_hashof_table('collections', ?1)", [commit]);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Refuses to put a branch on a commit without the store's tables: the store and the sync layer read them on
   * every operation, so a working branch without them would fail everything after (and reopening would create
   * them again on top, leaving the branch's history behind).
   */
  async function requireSchema(sql: SqlRunner, commit: string, ref: string, operation: string): Promise<void> {
    if (!(await hasSchema(sql, commit))) {
      throw storeArgumentError(`cannot ${operation} ${ref}: that commit predates the store's tables (pick a later commit)`);
    }
  }

  async function conflicts(sql: SqlRunner): Promise<MergeConflict[]> {
    return (await sql.select<Record<string, unknown>>(`SELECT ${CONFLICT_COLUMNS} FROM dolt_conflicts_documents`)).map(conflictFromRow);
  }

  /** Store tables with conflicts in the open merge. */
  async function conflictTables(sql: SqlRunner): Promise<string[]> {
    return (await sql.select<{ name: string }>('SELECT "table" AS name FROM dolt_conflicts')).map((row) => row.name);
  }

  /**
   * The commit both descend from; two histories with none (a remote that started in another store) are the
   * caller's `UnrelatedHistoriesError`, found before anything moves (the engine's own refusal is untyped text).
   */
  async function mergeBase(sql: SqlRunner, ours: string, theirs: string, theirName = theirs): Promise<string> {
    const base = await sql.value<string | null>('SELECT dolt_merge_base(?, ?)', [ours, theirs]);
    if (typeof base !== 'string' || base.length === 0) throw unrelatedHistories('HEAD', theirName);
    return base;
  }

  async function isMerging(sql: SqlRunner): Promise<boolean> {
    return await sql.value<number>('SELECT is_merging FROM dolt_merge_status') === 1;
  }

  function requireNoMerge(state: S, operation: string): void {
    if (merges.has(state)) throw storeArgumentError(`a merge is open: commit or abort it before ${operation}`);
  }

  /** Fetches one branch; one the remote lacks is the caller's typed mistake, not the engine's "invalid ref spec". */
  async function fetchBranch(sql: SqlRunner, remote: string, branch: string): Promise<void> {
    try {
      await sql.value('SELECT dolt_fetch(?, ?)', [remote, branch]);
    } catch (error) {
      // The name's form was checked: a refused ref spec can only be a branch the remote does not have.
      if (error instanceof StoreError && /ref ?spec/i.test(error.message)) {
        throw storeArgumentError(`remote ${JSON.stringify(remote)} has no branch ${JSON.stringify(branch)}`);
      }
      throw error;
    }
  }

  async function merge(state: S, sql: SqlRunner, theirs: string, message: string): Promise<MergeOutcome> {
    requireNoMerge(state, 'merging again');
    const before = await resolve(sql, 'HEAD');
    const theirHead = await resolve(sql, theirs);
    await mergeBase(sql, before, theirHead, theirs);
    // In a transaction, so that conflicts stay inspectable instead of being rolled back.
    await sql.exec('BEGIN');
    let result: string;
    try {
      result = await sql.value<string>("SELECT dolt_merge('-m', ?, ?)", [message, theirs]);
    } catch (error) {
      const tables = (await isMerging(sql)) ? await conflictTables(sql) : [];
      if (tables.length > 0 && tables.every((table) => table === 'documents')) {
        merges.set(state, { before });
        return { status: 'conflicts', before, after: before, conflicts: await conflicts(sql) };
      }
      // Conflicts the repository cannot settle per document (a collection's metadata): the merge is aborted
      // whole, so the branch and working set are as before, and the refusal is typed.
      if (tables.length > 0) {
        await sql.value("SELECT dolt_merge('--abort')").catch(() => {});
        await sql.exec('ROLLBACK').catch(() => {});
        throw unresolvableMerge(theirs, tables);
      }
      try {
        await sql.exec('ROLLBACK');
      } catch {
        // dolt_merge may have ended the transaction itself.
      }
      throw error;
    }
    // A merge that commits ends the transaction itself; one with nothing to do leaves it open.
    try {
      await sql.exec('COMMIT');
    } catch {
      // Already ended by the merge's commit.
    }
    const after = await resolve(sql, 'HEAD');
    if (after === before) return { status: 'up-to-date', before, after, conflicts: [] };
    await sql.persist();
    return { status: after === theirHead ? 'fast-forward' : 'merged', before, after, conflicts: [] };
  }

  return {
    resolveRef: async (state: S, ref: string): Promise<string> => resolve(runner(state), ref),

    branchList: async (state: S): Promise<BranchInfo[]> =>
      (await runner(state)
        .select<{ name: string; hash: string; latest_commit_message: string }>(
          'SELECT name, hash, latest_commit_message FROM dolt_branches ORDER BY name',
        ))
        .map((row) => ({ name: row.name, head: row.hash, message: row.latest_commit_message })),

    branchCreate: async (state: S, args: { name: string; from?: string }): Promise<null> => {
      const sql = runner(state);
      checkBranchName(args.name);
      const from = args.from === undefined ? undefined : await resolve(sql, args.from);
      if (from !== undefined) await requireSchema(sql, from, args.from!, 'start a branch at');
      await refuseNameOfOtherKind('branch', args.name, count(sql));
      await unlessExists('branch', args.name, count(sql), () =>
        from === undefined ? sql.value('SELECT dolt_branch(?)', [args.name]) : sql.value('SELECT dolt_branch(?, ?)', [args.name, from]));
      await sql.persist();
      return null;
    },

    branchDelete: async (state: S, args: { name: string; force?: boolean }): Promise<null> => {
      const sql = runner(state);
      checkBranchName(args.name);
      if (await sql.value<string>('SELECT active_branch()') === args.name) {
        throw storeArgumentError(`cannot delete the current branch ${args.name}`);
      }
      try {
        await unlessMissing('branch', args.name, count(sql), () => sql.value('SELECT dolt_branch(?, ?)', [args.force ? '-D' : '-d', args.name]));
      } catch (error) {
        if (/not fully merged/i.test((error as Error).message)) {
          throw storeArgumentError(`branch ${args.name} is not merged into the current branch; delete it with force`);
        }
        // The engine's text names an SQL function the store does not expose; the store reopens on that branch.
        if (/default branch/i.test((error as Error).message)) {
          throw storeArgumentError(`cannot delete the store's default branch ${args.name}`);
        }
        throw error;
      }
      await sql.persist();
      return null;
    },

    branchRename: async (state: S, args: { from: string; to: string; force?: boolean }): Promise<null> => {
      const sql = runner(state);
      checkBranchName(args.from);
      checkBranchName(args.to);
      await refuseNameOfOtherKind('branch', args.to, count(sql));
      await unlessMissing('branch', args.from, count(sql), () =>
        unlessExists('branch', args.to, count(sql), () => sql.value('SELECT dolt_branch(?, ?, ?)', [args.force ? '-M' : '-m', args.from, args.to])));
      await sql.persist();
      return null;
    },

    switchBranch: async (state: S, name: string): Promise<null> => {
      requireNoMerge(state, 'switching branches');
      const sql = runner(state);
      checkBranchName(name);
      await sql.value('SELECT dolt_checkout(?)', [name]);
      // No snapshot: the engine does not keep the active branch in it (the repository's state file does).
      return null;
    },

    delta: async (state: S, args: { from: string; to: string }): Promise<CommitDelta> => {
      const sql = runner(state);
      const from = await resolve(sql, args.from);
      const to = await resolve(sql, args.to);
      if (from === to) return { documents: [], collections: [] };
      const [fromHas, toHas] = [await hasSchema(sql, from), await hasSchema(sql, to)];
      if (fromHas && toHas) {
        const documents = documentDeltas(
          await sql.select<Record<string, unknown>>(`SELECT ${DOCUMENT_DIFF_COLUMNS} FROM dolt_diff_documents(?, ?)`, [from, to]),
        );
        const collections = collectionDeltas(
          await sql.select<Record<string, unknown>>('SELECT from_name, to_name, to_metadata, diff_type FROM dolt_diff_collections(?, ?)', [from, to]),
        );
        return { documents, collections };
      }
      // A side without the tables is empty: everything on the other side was added (or removed).
      if (!fromHas && !toHas) return { documents: [], collections: [] };
      const documents = documentDeltas(
        await sql.select<Record<string, unknown>>(
          fromHas
            ? `SELECT doc_id AS from_doc_id, collection_name AS from_collection_name, content_hash AS from_content_hash,
                      metadata AS from_metadata, NULL AS to_doc_id, NULL AS to_collection_name, NULL AS to_content,
                      NULL AS to_content_hash, NULL AS to_metadata FROM dolt_at_documents(?)`
            : `SELECT NULL AS from_doc_id, NULL AS from_collection_name, NULL AS from_content_hash, NULL AS from_metadata,
                      doc_id AS to_doc_id, collection_name AS to_collection_name, content AS to_content,
                      content_hash AS to_content_hash, metadata AS to_metadata FROM dolt_at_documents(?)`,
          [fromHas ? from : to],
        ),
      );
      const collections = collectionDeltas(
        await sql.select<Record<string, unknown>>(
          fromHas
            ? "SELECT name AS from_name, NULL AS to_name, NULL AS to_metadata, 'removed' AS diff_type FROM dolt_at_collections(?)"
            : "SELECT NULL AS from_name, name AS to_name, metadata AS to_metadata, 'added' AS diff_type FROM dolt_at_collections(?)",
          [fromHas ? from : to],
        ),
      );
      return { documents, collections };
    },

    documentsAt: async (state: S, args: { ref: string; collection?: string; docIds?: string[] }): Promise<StoredDocument[]> => {
      const sql = runner(state);
      const commit = await resolve(sql, args.ref);
      if (!(await hasSchema(sql, commit))) return [];
      const where: string[] = [];
      const bind: unknown[] = [commit];
      if (args.collection !== undefined) {
        where.push('collection_name = ?');
        bind.push(args.collection);
      }
      if (args.docIds !== undefined) {
        if (args.docIds.length === 0) return [];
        where.push('doc_id IN (SELECT value FROM json_each(?))');
        bind.push(JSON.stringify(args.docIds));
      }
      return (
        await sql.select<DocRow>(
          `SELECT doc_id, collection_name, content, content_hash, metadata FROM dolt_at_documents(?)
           ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`,
          bind,
        )
      ).map(toStoredDocument);
    },

    collectionsAt: async (state: S, ref: string): Promise<StoredCollection[]> => {
      const sql = runner(state);
      const commit = await resolve(sql, ref);
      if (!(await hasSchema(sql, commit))) return [];
      return (await sql.select<{ name: string; metadata: string }>('SELECT name, metadata FROM dolt_at_collections(?) ORDER BY name', [commit])).map((row) => ({ name: row.name, metadata: parseMetadata(row.metadata) }));
    },

    chunkTotals: async (state: S, args: { size: number; overlap: number }): Promise<Array<[string, { documents: number; chunks: number }]>> =>
      (await runner(state)
        .select<{ collection_name: string; documents: number; chunks: number }>(
          // length() counts characters (code points), as the chunker does.
          `SELECT collection_name, count(*) AS documents,
                  sum(CASE WHEN length(content) <= ?1 THEN 1 ELSE (length(content) - ?1 + ?2 - 1) / ?2 + 1 END) AS chunks
           FROM documents GROUP BY collection_name`,
          [args.size, args.size - args.overlap],
        ))
        .map((row) => [row.collection_name, { documents: row.documents, chunks: row.chunks }]),

    mergeBase: async (state: S, args: { a: string; b: string }): Promise<string> => {
      const sql = runner(state);
      return mergeBase(sql, await resolve(sql, args.a), await resolve(sql, args.b), args.b);
    },

    parents: async (state: S, commit: string): Promise<string[]> => {
      const sql = runner(state);
      const hash = await resolve(sql, commit);
      return (
        await sql.select<{ parent_hash: string }>('SELECT parent_hash FROM dolt_commit_ancestors WHERE commit_hash = ? ORDER BY parent_index', [hash])
      )
        .map((row) => row.parent_hash)
        // The first commit has a row with no parent.
        .filter((parent): parent is string => typeof parent === 'string' && parent.length > 0);
    },

    merge: async (state: S, args: { branch: string; message: string }): Promise<MergeOutcome> =>
      merge(state, runner(state), checkRef(args.branch), args.message),

    mergeConflicts: async (state: S): Promise<MergeConflict[]> => (merges.has(state) ? await conflicts(runner(state)) : []),

    merging: async (state: S): Promise<boolean> => merges.has(state),

    mergeResolve: async (
      state: S,
      args: { collection: string; docId: string; choice: 'ours' | 'theirs' | StoredDocument },
    ): Promise<null> => {
      if (!merges.has(state)) throw storeArgumentError('no merge is open');
      const sql = runner(state);
      const key = [args.collection, args.docId];
      const row = (await sql.select<{ their_doc_id: string | null; their_content: string | null; their_content_hash: string | null; their_metadata: string | null }>(
        `SELECT their_doc_id, their_content, their_content_hash, their_metadata FROM dolt_conflicts_documents
         WHERE coalesce(our_collection_name, their_collection_name, base_collection_name) = ?
           AND coalesce(our_doc_id, their_doc_id, base_doc_id) = ?`,
        key,
      ))[0];
      if (!row) throw storeArgumentError(`no conflict on ${args.collection}/${args.docId}`);
      // The working set holds "ours"; taking theirs or a new content rewrites the row, then the conflict goes.
      const replacement =
        args.choice === 'ours'
          ? undefined
          : args.choice === 'theirs'
            ? row.their_doc_id === null
              ? null
              : { content: row.their_content!, contentHash: row.their_content_hash!, metadata: row.their_metadata ?? '{}' }
            : { content: args.choice.content, contentHash: args.choice.contentHash, metadata: JSON.stringify(args.choice.metadata ?? {}) };
      if (replacement === null) {
        await sql.exec('DELETE FROM documents WHERE collection_name = ? AND doc_id = ?', key);
      } else if (replacement !== undefined) {
        await sql.exec(
          `INSERT INTO documents (doc_id, collection_name, content, content_hash, metadata) VALUES (?2, ?1, ?3, ?4, ?5)
           ON CONFLICT (doc_id, collection_name) DO UPDATE SET content = excluded.content,
             content_hash = excluded.content_hash, metadata = excluded.metadata, updated_at = CURRENT_TIMESTAMP`,
          [...key, replacement.content, replacement.contentHash, replacement.metadata],
        );
      }
      await sql.exec(
        `DELETE FROM dolt_conflicts_documents
         WHERE coalesce(our_collection_name, their_collection_name, base_collection_name) = ?
           AND coalesce(our_doc_id, their_doc_id, base_doc_id) = ?`,
        key,
      );
      return null;
    },

    mergeCommit: async (state: S, message: string): Promise<string> => {
      if (!merges.has(state)) throw storeArgumentError('no merge is open');
      const sql = runner(state);
      if ((await conflicts(sql)).length > 0) throw storeArgumentError('resolve every conflict before committing the merge');
      const hash = await sql.value<string>("SELECT dolt_commit('-A', '-m', ?)", [message]);
      merges.delete(state);
      await sql.persist();
      return hash;
    },

    mergeAbort: async (state: S): Promise<null> => {
      if (!merges.delete(state)) return null;
      const sql = runner(state);
      try {
        await sql.value("SELECT dolt_merge('--abort')");
      } finally {
        try {
          await sql.exec('ROLLBACK');
        } catch {
          // The abort may have ended the transaction.
        }
      }
      return null;
    },

    resetHard: async (state: S, ref: string): Promise<null> => {
      requireNoMerge(state, 'resetting');
      const sql = runner(state);
      const target = await resolve(sql, ref);
      await requireSchema(sql, target, ref, 'reset to');
      await sql.value("SELECT dolt_reset('--hard', ?)", [target]);
      await sql.persist();
      return null;
    },

    revert: async (state: S, commit: string): Promise<string> => {
      requireNoMerge(state, 'reverting');
      const sql = runner(state);
      const before = await resolve(sql, 'HEAD');
      const hash = await sql.value<string>('SELECT dolt_revert(?)', [await resolve(sql, commit)]);
      if (!/^[0-9a-f]{40}$/.test(hash)) {
        await sql.value("SELECT dolt_reset('--hard')");
        throw storeArgumentError(`the revert conflicts with later changes (${hash}); nothing was changed`);
      }
      if (!(await hasSchema(sql, hash))) {
        // Reverting the commit that created the tables would leave the branch without them.
        await sql.value("SELECT dolt_reset('--hard', ?)", [before]);
        await sql.persist();
        throw storeArgumentError(`cannot revert ${commit}: it created the store's tables; nothing was changed`);
      }
      await sql.persist();
      return hash;
    },

    /** Every collection and document change in one transaction, then one Dolt commit. */
    stageAll: async (state: S, changes: StageAllChanges): Promise<string | null> => {
      requireNoMerge(state, 'staging');
      const sql = runner(state);
      await sql.exec('BEGIN');
      try {
        for (const collection of changes.upsertCollections) {
          await sql.exec(
            `INSERT INTO collections (name, metadata) VALUES (?, ?)
             ON CONFLICT(name) DO UPDATE SET metadata = excluded.metadata, updated_at = CURRENT_TIMESTAMP`,
            [collection.name, JSON.stringify(collection.metadata ?? {})],
          );
        }
        if (changes.deleteCollections.length > 0) {
          const names = JSON.stringify(changes.deleteCollections);
          await sql.exec('DELETE FROM documents WHERE collection_name IN (SELECT value FROM json_each(?))', [names]);
          await sql.exec('DELETE FROM collections WHERE name IN (SELECT value FROM json_each(?))', [names]);
        }
        if (changes.upsertDocuments.length > 0) {
          const rows = JSON.stringify(
            changes.upsertDocuments.map((d) => [d.docId, d.collection, d.content, d.contentHash, JSON.stringify(d.metadata ?? {})]),
          );
          await sql.exec(
            `INSERT INTO document_sync_log (doc_id, collection_name, operation, content_hash)
             SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'),
                    CASE WHEN d.doc_id IS NULL THEN 'added' ELSE 'modified' END, json_extract(j.value, '$[3]')
             FROM json_each(?1) AS j
             LEFT JOIN documents AS d ON d.collection_name = json_extract(j.value, '$[1]') AND d.doc_id = json_extract(j.value, '$[0]')`,
            [rows],
          );
          await sql.exec(
            `INSERT INTO documents (doc_id, collection_name, content, content_hash, metadata)
             SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
                    json_extract(value, '$[3]'), json_extract(value, '$[4]')
             FROM json_each(?1) WHERE true
             ON CONFLICT (doc_id, collection_name) DO UPDATE SET
               content = excluded.content, content_hash = excluded.content_hash, metadata = excluded.metadata,
               updated_at = CURRENT_TIMESTAMP`,
            [rows],
          );
        }
        if (changes.deleteDocuments.length > 0) {
          const keys = JSON.stringify(changes.deleteDocuments.map((d) => [d.collection, d.docId]));
          await sql.exec(
            `INSERT INTO document_sync_log (doc_id, collection_name, operation, content_hash)
             SELECT json_extract(value, '$[1]'), json_extract(value, '$[0]'), 'deleted', NULL FROM json_each(?)`,
            [keys],
          );
          await sql.exec(
            `DELETE FROM documents WHERE EXISTS (SELECT 1 FROM json_each(?) AS j
               WHERE json_extract(j.value, '$[0]') = documents.collection_name AND json_extract(j.value, '$[1]') = documents.doc_id)`,
            [keys],
          );
        }
        await sql.exec('COMMIT');
      } catch (error) {
        try {
          await sql.exec('ROLLBACK');
        } catch {
          // The failed statement may have ended the transaction already.
        }
        throw error;
      }
      if (await sql.value<number>('SELECT count(*) FROM dolt_status') === 0) return null;
      try {
        const hash = await sql.value<string>("SELECT dolt_commit('-A', '-m', ?)", [changes.message]);
        await sql.persist();
        return hash;
      } catch (error) {
        // All or nothing: a rejected commit must not leave the rows behind as uncommitted changes.
        await sql.value("SELECT dolt_reset('--hard')");
        throw error;
      }
    },

    tagCreate: async (state: S, args: { name: string; ref?: string; message?: string }): Promise<null> => {
      const sql = runner(state);
      checkBranchName(args.name, 'tag');
      const commit = await resolve(sql, args.ref ?? 'HEAD');
      await refuseNameOfOtherKind('tag', args.name, count(sql));
      await unlessExists('tag', args.name, count(sql), () => sql.value('SELECT dolt_tag(?, ?, ?, ?)', ['-m', args.message ?? '', args.name, commit]));
      await sql.persist();
      return null;
    },

    tagList: async (state: S): Promise<TagInfo[]> =>
      (await runner(state)
        .select<{ tag_name: string; tag_hash: string; message: string }>('SELECT tag_name, tag_hash, message FROM dolt_tags ORDER BY tag_name'))
        .map((row) => ({ name: row.tag_name, commit: row.tag_hash, message: row.message ?? '' })),

    tagDelete: async (state: S, name: string): Promise<null> => {
      const sql = runner(state);
      checkBranchName(name, 'tag');
      await unlessMissing('tag', name, count(sql), () => sql.value("SELECT dolt_tag('-d', ?)", [name]));
      await sql.persist();
      return null;
    },

    remoteAdd: async (state: S, args: { name: string; url: string }): Promise<null> => {
      const sql = runner(state);
      checkBranchName(args.name, 'remote');
      const url = checkRemoteUrl(args.url, ['file', 'http', 'https']);
      await unlessExists('remote', args.name, count(sql), () => sql.value("SELECT dolt_remote('add', ?, ?)", [args.name, url]));
      await sql.persist();
      return null;
    },

    remoteRemove: async (state: S, name: string): Promise<null> => {
      const sql = runner(state);
      checkBranchName(name, 'remote');
      await unlessMissing('remote', name, count(sql), () => sql.value("SELECT dolt_remote('remove', ?)", [name]));
      await sql.persist();
      return null;
    },

    remoteList: async (state: S): Promise<RemoteInfo[]> =>
      runner(state).select<RemoteInfo>('SELECT name, url FROM dolt_remotes ORDER BY name'),

    push: async (state: S, args: { remote: string; branch: string }): Promise<null> => {
      const sql = runner(state);
      checkBranchName(args.remote, 'remote');
      checkBranchName(args.branch);
      // The engine's refusal of a missing branch is an untyped query error; a push of a tag is allowed as in Dolt.
      const named = 'SELECT (SELECT count(*) FROM dolt_branches WHERE name = ?1) + (SELECT count(*) FROM dolt_tags WHERE tag_name = ?1)';
      if (Number(await sql.value<number>(named, [args.branch])) === 0) throw storeArgumentError(`unknown branch ${JSON.stringify(args.branch)}`);
      try {
        await sql.value('SELECT dolt_push(?, ?)', [args.remote, args.branch]);
      } catch (error) {
        // The engine says so only in its text (a constraint error otherwise like any other).
        if (error instanceof StoreError && /fast-forward/i.test(error.message)) throw pushRejected(args.remote, args.branch);
        throw error;
      }
      return null;
    },

    fetch: async (state: S, args: { remote: string; branch?: string }): Promise<null> => {
      const sql = runner(state);
      checkBranchName(args.remote, 'remote');
      if (args.branch === undefined) await sql.value('SELECT dolt_fetch(?)', [args.remote]);
      else {
        checkBranchName(args.branch);
        await fetchBranch(sql, args.remote, args.branch);
      }
      await sql.persist();
      return null;
    },

    /** Fetch, then an ordinary merge of the remote-tracking branch (so conflicts are reported the same way). */
    pull: async (state: S, args: { remote: string; branch: string }): Promise<MergeOutcome> => {
      const sql = runner(state);
      checkBranchName(args.remote, 'remote');
      checkBranchName(args.branch);
      await fetchBranch(sql, args.remote, args.branch);
      return merge(state, sql, `${args.remote}/${args.branch}`, `Merge ${args.remote}/${args.branch}`);
    },

    /** Fills an empty store from a remote (the session must have been opened empty for this). */
    cloneFrom: async (state: S, url: string): Promise<null> => {
      const sql = runner(state);
      await sql.value('SELECT dolt_clone(?)', [checkRemoteUrl(url)]);
      await sql.persist();
      return null;
    },
  };
}
