/**
 * The server-mode schema (MySQL dialect), created idempotently. Ids use a binary NO PAD collation: document ids
 * are exact strings ('a' and 'a ' and 'A' are three ids), which the default PAD SPACE collations would merge.
 */
export function schemaStatements(idCollation: string): string[] {
  const id = `VARCHAR(255) CHARACTER SET utf8mb4 COLLATE ${idCollation} NOT NULL`;
  return [
    `CREATE TABLE IF NOT EXISTS collections (
       name ${id} PRIMARY KEY,
       metadata JSON,
       created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
       updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)`,
    `CREATE TABLE IF NOT EXISTS documents (
       doc_id ${id},
       collection_name ${id},
       content LONGTEXT CHARACTER SET utf8mb4 NOT NULL,
       content_hash CHAR(64) NOT NULL,
       metadata JSON,
       created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
       updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
       PRIMARY KEY (doc_id, collection_name))`,
    `CREATE TABLE IF NOT EXISTS document_sync_log (
       id BIGINT AUTO_INCREMENT PRIMARY KEY,
       doc_id ${id},
       collection_name ${id},
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
