import { MAX_COLLECTION_NAME_LENGTH, MAX_ID_LENGTH } from './version-store.js';

/**
 * The server-mode schema (MySQL dialect), created idempotently. Ids use a binary NO PAD collation: document ids
 * are exact strings ('a' and 'a ' and 'A' are three ids), which the default PAD SPACE collations would merge.
 * Column lengths are the library's id limits, the same as every other store checks before writing: together
 * they fill InnoDB's 3,072-byte key (utf8mb4 counts 4 bytes a character).
 */
export function schemaStatements(idCollation: string): string[] {
  const id = idColumn(MAX_ID_LENGTH, idCollation);
  const name = idColumn(MAX_COLLECTION_NAME_LENGTH, idCollation);
  return [
    `CREATE TABLE IF NOT EXISTS collections (
       name ${name} PRIMARY KEY,
       metadata JSON,
       created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
       updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)`,
    `CREATE TABLE IF NOT EXISTS documents (
       doc_id ${id},
       collection_name ${name},
       content LONGTEXT CHARACTER SET utf8mb4 NOT NULL,
       content_hash CHAR(64) NOT NULL,
       metadata JSON,
       created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
       updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
       PRIMARY KEY (doc_id, collection_name))`,
    `CREATE TABLE IF NOT EXISTS document_sync_log (
       id BIGINT AUTO_INCREMENT PRIMARY KEY,
       doc_id ${id},
       collection_name ${name},
       operation VARCHAR(16) NOT NULL,
       content_hash CHAR(64) NULL,
       commit_id VARCHAR(64) NULL,
       synced_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
       KEY sync_log_commit (commit_id))`,
    // Where the server is not Dolt, commits are rows here (the sync log points at them), so log() and diff()
    // work the same on both.
    `CREATE TABLE IF NOT EXISTS session_commits (
       id BIGINT AUTO_INCREMENT PRIMARY KEY,
       message TEXT NOT NULL,
       committer VARCHAR(255) NOT NULL,
       committed_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))`,
  ];
}

function idColumn(length: number, collation: string): string {
  return `VARCHAR(${length}) CHARACTER SET utf8mb4 COLLATE ${collation} NOT NULL`;
}

/**
 * Widens the id columns of a store created with shorter ones (earlier versions used 255): the statements to
 * run for the columns whose length is below the library's limit. `lengths` maps `table.column` to its length.
 */
export function widenStatements(idCollation: string, lengths: Map<string, number>): string[] {
  const wanted: Array<[string, string, number]> = [
    ['collections', 'name', MAX_COLLECTION_NAME_LENGTH],
    ['documents', 'doc_id', MAX_ID_LENGTH],
    ['documents', 'collection_name', MAX_COLLECTION_NAME_LENGTH],
    ['document_sync_log', 'doc_id', MAX_ID_LENGTH],
    ['document_sync_log', 'collection_name', MAX_COLLECTION_NAME_LENGTH],
  ];
  return wanted
    .filter(([table, column, length]) => (lengths.get(`${table}.${column}`) ?? length) < length)
    .map(([table, column, length]) => `ALTER TABLE ${table} MODIFY ${column} ${idColumn(length, idCollation)}`);
}
