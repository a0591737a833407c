/** What the DoltLite and the Dolt-server versioning share: argument checks, and rows of Dolt tables (same column names in both) turned into results. */
import { checkOptions, checkWholeNumber } from '../check-args.js';
import { alreadyExists, storeArgumentError, unknownName } from './errors.js';
import type { CollectionDelta, DocumentDelta, MergeConflict } from './versioning.js';

/** Refs are passed to Dolt functions whose arguments may be flags: one starting with '-' must never pass. */
const REF = /^[A-Za-z0-9][A-Za-z0-9._/~^-]{0,199}$/;

export function checkRef(ref: string): string {
  if (typeof ref !== 'string' || !REF.test(ref)) throw storeArgumentError(`invalid ref: ${JSON.stringify(ref)}`);
  return ref;
}

/** A URL: a scheme, `://`, and something after it. */
const REMOTE_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/\S+$/;

/**
 * Remote URLs are checked when added, not at the first push: a relative path or a bare word would be stored
 * and only fail later. `schemes` are the ones the engine can reach (DoltLite: file and http(s); a Dolt server
 * also has its cloud schemes, so it passes none and any scheme is taken). They may not look like flags either.
 */
export function checkRemoteUrl(url: string, schemes?: readonly string[]): string {
  const scheme = typeof url === 'string' && url.length <= 4096 && !url.includes('\0') ? REMOTE_URL.exec(url)?.[1] : undefined;
  if (scheme === undefined || (schemes !== undefined && !schemes.includes(scheme.toLowerCase()))) {
    const forms = schemes === undefined ? 'scheme://...' : schemes.map((s) => `${s}://...`).join(', ');
    throw storeArgumentError(`invalid remote url: it must be a URL (${forms}), such as file:///srv/notes`);
  }
  return url;
}

/** The chunk window of `chunkTotals`: a size from 1, an overlap from 0 and below the size. */
export function checkChunkWindow(size: number, overlap: number): void {
  checkWholeNumber('chunkTotals', 'size', size, 1, Number.MAX_SAFE_INTEGER, false);
  checkWholeNumber('chunkTotals', 'overlap', overlap, 0, Math.max(0, size - 1), false);
}

/** The options of `documentsAt`: closed. */
export function checkDocumentsAtOptions(options: unknown): void {
  checkOptions('documentsAt', options, ['collection', 'docIds']);
}

const COUNT_NAMED = {
  branch: 'SELECT count(*) AS n FROM dolt_branches WHERE name = ?',
  tag: 'SELECT count(*) AS n FROM dolt_tags WHERE tag_name = ?',
  remote: 'SELECT count(*) AS n FROM dolt_remotes WHERE name = ?',
} as const;

/**
 * Refuses a branch named like a tag, or a tag named like a branch, before it is made: the engine resolves such a
 * name to the tag when checking out, so a branch made beside a tag of its name could never be checked out (and a
 * checkout of the tag would find the branch). One count, on the path that creates or renames.
 */
export async function refuseNameOfOtherKind(
  kind: 'branch' | 'tag',
  name: string,
  count: (sql: string, values: unknown[]) => Promise<number>,
): Promise<void> {
  const other = kind === 'branch' ? 'tag' : 'branch';
  if (Number(await count(COUNT_NAMED[other], [name])) > 0) throw alreadyExists(other, name);
}

type NameKind = 'branch' | 'tag' | 'remote';
/** Runs a `SELECT count(*) AS n ...` on the store's connection. */
type CountRows = (sql: string, values: unknown[]) => Promise<number>;

/**
 * Runs a create (or a rename onto `name`); when it fails and `name` exists, the failure is a typed
 * `StoreAlreadyExistsError` instead of the engine's text. Looked up only after a failure, so a create that works
 * costs no extra query.
 */
export function unlessExists<T>(kind: NameKind, name: string, count: CountRows, create: () => Promise<T>): Promise<T> {
  return explainFailure(kind, name, count, create, (n) => (n > 0 ? alreadyExists(kind, name) : null));
}

/**
 * Runs an operation on an existing branch, tag or remote (delete, rename); when it fails and `name` does not
 * exist, the failure is the caller's typed `StoreArgumentError` ("unknown ...") instead of the engine's text.
 */
export function unlessMissing<T>(kind: NameKind, name: string, count: CountRows, action: () => Promise<T>): Promise<T> {
  return explainFailure(kind, name, count, action, (n) => (n === 0 ? unknownName(kind, name) : null));
}

/** Runs `action`; after a failure, counts `name` and throws `explain(count)` instead when it gives an error. */
async function explainFailure<T>(
  kind: NameKind,
  name: string,
  count: CountRows,
  action: () => Promise<T>,
  explain: (named: number) => Error | null,
): Promise<T> {
  try {
    return await action();
  } catch (error) {
    const better = await count(COUNT_NAMED[kind], [name]).then((n) => explain(Number(n)), () => null);
    throw better ?? error;
  }
}

/** Metadata as stored: JSON text (DoltLite) or an already parsed JSON column (Dolt); anything else is `{}`. */
export function parseMetadata(value: unknown): Record<string, unknown> {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return {};
    }
  }
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

/** The columns of a `dolt_conflicts_documents` row a conflict is made of (same names in DoltLite and Dolt). */
export const CONFLICT_COLUMNS = `base_doc_id, our_doc_id, their_doc_id, base_collection_name, our_collection_name,
  their_collection_name, base_content_hash, our_content_hash, their_content_hash`;

/** One conflict from a `dolt_conflicts_documents` row; a side without the document has null columns. */
export function conflictFromRow(row: Record<string, unknown>): MergeConflict {
  const text = (key: string) => (row[key] ?? null) as string | null;
  return {
    collection: (text('our_collection_name') ?? text('their_collection_name') ?? text('base_collection_name'))!,
    docId: (text('our_doc_id') ?? text('their_doc_id') ?? text('base_doc_id'))!,
    baseHash: text('base_content_hash'),
    oursHash: text('our_content_hash'),
    theirsHash: text('their_content_hash'),
  };
}

/** The columns of a documents diff row a {@link DocumentDelta} is made of. */
export const DOCUMENT_DIFF_COLUMNS = `from_doc_id, from_collection_name, from_content_hash, from_metadata, to_doc_id,
  to_collection_name, to_content, to_content_hash, to_metadata`;

/**
 * Document deltas from diff rows; a row whose content and metadata are unchanged (timestamps only) is no change
 * to Chroma and is left out.
 */
export function documentDeltas(rows: Array<Record<string, unknown>>): DocumentDelta[] {
  const text = (row: Record<string, unknown>, key: string) => (row[key] ?? null) as string | null;
  return rows
    .filter((r) => text(r, 'from_content_hash') !== text(r, 'to_content_hash') || JSON.stringify(r['from_metadata']) !== JSON.stringify(r['to_metadata']))
    .map((r) => ({
      collection: (text(r, 'to_collection_name') ?? text(r, 'from_collection_name'))!,
      docId: (text(r, 'to_doc_id') ?? text(r, 'from_doc_id'))!,
      fromHash: text(r, 'from_content_hash'),
      to:
        text(r, 'to_doc_id') === null
          ? null
          : {
              collection: text(r, 'to_collection_name')!,
              docId: text(r, 'to_doc_id')!,
              content: text(r, 'to_content')!,
              contentHash: text(r, 'to_content_hash')!,
              metadata: parseMetadata(r['to_metadata']),
            },
    }));
}

/** Collection deltas from `from_name, to_name, to_metadata, diff_type` rows of a collections diff. */
export function collectionDeltas(rows: Array<Record<string, unknown>>): CollectionDelta[] {
  return rows.map((r) => ({
    name: ((r['to_name'] ?? r['from_name']) as string),
    type: r['diff_type'] === 'added' ? 'added' : r['diff_type'] === 'removed' ? 'removed' : 'modified',
    metadata: r['to_name'] === null || r['to_name'] === undefined ? null : parseMetadata(r['to_metadata']),
  }));
}
