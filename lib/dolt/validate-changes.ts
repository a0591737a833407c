/**
 * Validation of a change set before any store touches anything: every store calls it first, and the sync
 * layer calls the same checks before writing to Chroma, so bad input is refused with one typed error
 * (InvalidChangeError) and nothing is half-applied. What a database would only reject in the middle of a
 * transaction (an empty commit message, an id longer than a key column, a lone surrogate, a non-string
 * content) is caught here.
 */
import { codePointLength, isWellFormed } from '../strings.js';
import { argError, describeValue } from '../check-args.js';
import { documentTooLarge, invalidChange } from './errors.js';
import {
  MAX_COLLECTION_NAME_LENGTH,
  MAX_ID_LENGTH,
  MAX_MESSAGE_BYTES,
  type ChangeBatch,
  type ChangeSet,
  type DocumentRecord,
} from './version-store.js';

const HASH = /^[0-9a-f]{64}$/;

/** Refuses an empty, too long or malformed collection name. */
/**
 * The arguments of a store read (`documentHashes`, `existing`) or of `ensureCollection`: a number or an object
 * as the collection would otherwise read as an empty collection, and ids that are not strings would match
 * nothing, both without a word. A wrong type is `ERR_INVALID_ARG_TYPE`; a name the store cannot hold is
 * InvalidChangeError, as when writing.
 */
export function checkStoreArguments(collection: unknown, ids?: unknown, metadata?: unknown): void {
  if (typeof collection !== 'string') {
    throw argError(`the collection name must be a string, got ${describeValue(collection)}`, 'ERR_INVALID_ARG_TYPE');
  }
  checkCollectionName(collection);
  if (ids !== undefined && (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string'))) {
    throw argError('ids must be an array of strings', 'ERR_INVALID_ARG_TYPE');
  }
  if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
    throw argError(`the collection metadata must be an object, got ${describeValue(metadata)}`, 'ERR_INVALID_ARG_TYPE');
  }
}

export function checkCollectionName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) throw invalidChange('the collection name must be a non-empty string', { field: 'collection' });
  if (!isWellFormed(name)) throw invalidChange('the collection name contains a lone surrogate', { field: 'collection' });
  if (codePointLength(name) > MAX_COLLECTION_NAME_LENGTH) {
    throw invalidChange(`the collection name is longer than ${MAX_COLLECTION_NAME_LENGTH} characters`, {
      field: 'collection',
      limit: MAX_COLLECTION_NAME_LENGTH,
    });
  }
}

/** Refuses an empty, too long or malformed document id; `index` says which document in the input. */
export function checkDocumentId(docId: unknown, index: number): asserts docId is string {
  if (typeof docId !== 'string' || docId.length === 0) throw invalidChange(`document ${index}: the id must be a non-empty string`, { field: 'docId', index });
  if (!isWellFormed(docId)) throw invalidChange(`document ${index}: the id contains a lone surrogate`, { field: 'docId', index });
  if (docId.length > MAX_ID_LENGTH && codePointLength(docId) > MAX_ID_LENGTH) {
    throw invalidChange(`document ${index}: the id is longer than ${MAX_ID_LENGTH} characters`, {
      field: 'docId',
      index,
      limit: MAX_ID_LENGTH,
    });
  }
}

/** Refuses a commit message a store could not commit (empty, blank, malformed, with a NUL, over 64 KiB). */
export function checkMessage(message: unknown): asserts message is string {
  if (typeof message !== 'string' || message.trim().length === 0) throw invalidChange('the commit message must be a non-blank string', { field: 'message' });
  if (!isWellFormed(message)) throw invalidChange('the commit message contains a lone surrogate', { field: 'message' });
  // The engine passes its arguments as C strings: a NUL would end the message there, so it refuses them.
  if (message.includes('\u0000')) throw invalidChange('the commit message contains a NUL character', { field: 'message' });
  if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) {
    throw invalidChange(`the commit message is longer than ${MAX_MESSAGE_BYTES} bytes`, { field: 'message', limit: MAX_MESSAGE_BYTES });
  }
}

/**
 * Refuses metadata a store cannot keep as JSON exactly: not a plain object, a BigInt, a non-finite number, a
 * malformed string (as key or value), a cycle. Returns its JSON text.
 */
export function checkMetadata(metadata: unknown, index: number): string {
  if (metadata === undefined || metadata === null) return '{}';
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw invalidChange(`document ${index}: metadata must be an object`, { field: 'metadata', index });
  const bad = (reason: string) => invalidChange(`document ${index}: metadata ${reason}`, { field: 'metadata', index });
  const visit = (value: unknown, depth: number): void => {
    if (depth > 32) throw bad('is nested too deeply');
    if (typeof value === 'string') {
      if (!isWellFormed(value)) throw bad('contains a lone surrogate');
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw bad('contains a non-finite number');
    } else if (typeof value === 'bigint') {
      throw bad('contains a BigInt');
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (!isWellFormed(key)) throw bad('has a key with a lone surrogate');
        visit(inner, depth + 1);
      }
    } else if (value !== null && typeof value !== 'boolean') {
      throw bad(`contains a value of type ${typeof value}`);
    }
  };
  visit(metadata, 0);
  return JSON.stringify(metadata);
}

/** Refuses a content that is not a well-formed string. */
export function checkContent(content: unknown, index: number): asserts content is string {
  if (typeof content !== 'string') throw invalidChange(`document ${index}: content must be a string`, { field: 'content', index });
  if (!isWellFormed(content)) throw invalidChange(`document ${index}: content contains a lone surrogate`, { field: 'content', index });
}

/** Refuses a document over `maxBytes` (content plus metadata JSON, UTF-8). */
export function checkDocumentSize(content: string, metadataJson: string, index: number, maxBytes: number | undefined): void {
  if (maxBytes === undefined) return;
  // Cheap bound first: a UTF-16 unit is at most 3 UTF-8 bytes.
  if ((content.length + metadataJson.length) * 3 <= maxBytes) return;
  const bytes = Buffer.byteLength(content, 'utf8') + Buffer.byteLength(metadataJson, 'utf8');
  if (bytes > maxBytes) {
    throw documentTooLarge(`document ${index} is ${bytes} bytes; this store takes at most ${maxBytes}`, {
      field: 'content',
      index,
      bytes,
      limitBytes: maxBytes,
    });
  }
}

export interface ValidatedChangeSet {
  /** Each upsert's metadata as JSON text, in order (computed once here; stores may reuse it). */
  metadataJson: string[];
}

/**
 * Checks a whole change set and throws InvalidChangeError (or DocumentTooLargeError) on the first problem.
 * Ids must be unique across upserts and deletes: a change set that both writes and deletes one document has
 * no single meaning.
 */
export function validateChangeSet(changes: ChangeSet, limits: { maxDocumentBytes?: number } = {}): ValidatedChangeSet {
  if (typeof changes !== 'object' || changes === null) throw invalidChange('the change set must be an object');
  const validator = new ChangeStreamValidator(changes.collection, changes.message, limits);
  if (!Array.isArray(changes.upserts) || !Array.isArray(changes.deletes)) {
    throw invalidChange('upserts and deletes must be arrays', { field: 'upserts' });
  }
  return validator.check(changes);
}

/**
 * Validation of a change set that arrives in parts (a streamed commit): the collection and message once, then
 * each part as it comes, with ids unique across the whole stream and positions in errors counted from its
 * start. Keeps only the ids seen, never a part.
 */
export class ChangeStreamValidator {
  private readonly seen = new Set<string>();
  /** Upserts and deletions checked so far (error positions continue from here). */
  private position = 0;

  constructor(
    collection: unknown,
    message: unknown,
    private readonly limits: { maxDocumentBytes?: number } = {},
  ) {
    checkCollectionName(collection);
    checkMessage(message);
  }

  /** Refuses a streamed change set whose parts are not an iterable (sync or async). */
  static checkParts(parts: unknown): void {
    const iterable = parts as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null;
    if (typeof iterable?.[Symbol.asyncIterator] !== 'function' && typeof iterable?.[Symbol.iterator] !== 'function') {
      throw invalidChange('batches must be an iterable or async iterable of parts', { field: 'batches' });
    }
  }

  /** Checks one part; `upserts` and `deletes` may be left out (none). */
  check(batch: ChangeBatch): ValidatedChangeSet {
    if (typeof batch !== 'object' || batch === null) throw invalidChange('a part of the change set must be an object', { index: this.position });
    const upserts = batch.upserts ?? [];
    const deletes = batch.deletes ?? [];
    if (!Array.isArray(upserts) || !Array.isArray(deletes)) {
      throw invalidChange('upserts and deletes must be arrays', { field: 'upserts' });
    }
    const base = this.position;
    const metadataJson: string[] = [];
    upserts.forEach((doc: DocumentRecord, i) => {
      const index = base + i;
      if (typeof doc !== 'object' || doc === null) throw invalidChange(`document ${index} is not an object`, { index });
      checkDocumentId(doc.docId, index);
      if (this.seen.has(doc.docId)) throw invalidChange(`document ${index}: the id appears twice in the change set`, { field: 'docId', index });
      checkContent(doc.content, index);
      if (typeof doc.contentHash !== 'string' || !HASH.test(doc.contentHash)) {
        throw invalidChange(`document ${index}: contentHash must be 64 lowercase hex digits`, { field: 'contentHash', index });
      }
      const json = checkMetadata(doc.metadata, index);
      checkDocumentSize(doc.content, json, index, this.limits.maxDocumentBytes);
      this.seen.add(doc.docId);
      metadataJson.push(json);
    });
    deletes.forEach((docId, i) => {
      const index = base + upserts.length + i;
      checkDocumentId(docId, index);
      if (this.seen.has(docId)) throw invalidChange(`deletion ${index - base - upserts.length}: the id is also written or deleted twice in the change set`, { field: 'deletes', index });
      this.seen.add(docId);
    });
    this.position += upserts.length + deletes.length;
    return { metadataJson };
  }
}
