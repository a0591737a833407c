"""Native libdoltlite (PyPI `doltlite`, through Python's sqlite3) doing what the embedded store does, for the
store bench: same schema, same statements, same documents. Prints one JSON object.

Usage: doltlite_native.py FOLDER COUNT [COUNT...]
"""
import doltlite  # noqa: F401  (bootstraps libdoltlite as this interpreter's SQLite; must come first)
import hashlib
import json
import os
import sqlite3
import sys
import time

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS collections (name TEXT PRIMARY KEY, metadata TEXT NOT NULL DEFAULT '{}',
         created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS documents (doc_id TEXT NOT NULL, collection_name TEXT NOT NULL, content TEXT NOT NULL,
         content_hash CHAR(64) NOT NULL, metadata TEXT NOT NULL DEFAULT '{}',
         created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
         PRIMARY KEY (doc_id, collection_name))""",
    """CREATE TABLE IF NOT EXISTS document_sync_log (id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL,
         collection_name TEXT NOT NULL, operation TEXT NOT NULL, content_hash CHAR(64),
         synced_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)""",
]
LOG = """INSERT INTO document_sync_log (doc_id, collection_name, operation, content_hash)
  SELECT json_extract(j.value, '$[0]'), ?1, CASE WHEN d.doc_id IS NULL THEN 'added' ELSE 'modified' END,
         json_extract(j.value, '$[2]')
  FROM json_each(?2) AS j LEFT JOIN documents AS d ON d.collection_name = ?1 AND d.doc_id = json_extract(j.value, '$[0]')"""
UPSERT = """INSERT INTO documents (doc_id, collection_name, content, content_hash, metadata)
  SELECT json_extract(value, '$[0]'), ?1, json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]')
  FROM json_each(?2) WHERE true
  ON CONFLICT (doc_id, collection_name) DO UPDATE SET content = excluded.content, content_hash = excluded.content_hash,
    metadata = excluded.metadata, updated_at = CURRENT_TIMESTAMP"""


def text(i, rev):
    return (f"document {i} revision {rev} " + "lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 6)[:300]


def docs(ids, rev):
    out = []
    for i in ids:
        content = text(i, rev)
        out.append([f"doc-{i}", content, hashlib.sha256(content.encode()).hexdigest(), "{}"])
    return out


def commit_changes(conn, rows, message):
    payload = json.dumps(rows)
    conn.execute("BEGIN")
    conn.execute(LOG, ("c", payload))
    conn.execute(UPSERT, ("c", payload))
    conn.execute("SELECT dolt_commit('-A', '-m', ?)", (message,)).fetchone()
    if conn.in_transaction:
        conn.execute("COMMIT")


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    folder, counts = sys.argv[1], [int(c) for c in sys.argv[2:]]
    results = {}
    for n in counts:
        path = os.path.join(folder, f"native-{n}.doltlite")
        conn = sqlite3.connect(path, isolation_level=None)
        for statement in SCHEMA:
            conn.execute(statement)
        conn.execute("SELECT dolt_commit('-A', '-m', 'schema')").fetchone()
        for start in range(0, n, 20000):
            commit_changes(conn, docs(range(start, min(n, start + 20000)), 0), "load")
        # Reopened before measuring, as the store bench does: a store is opened, not freshly loaded, when it is used.
        conn.close()
        conn = sqlite3.connect(path, isolation_level=None)
        commits = []
        for rev in range(1, 18):
            rows = docs([(rev * 7919 + k * 997) % n for k in range(100)], rev)
            started = time.perf_counter()
            commit_changes(conn, rows, f"change {rev}")
            commits.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        conn.close()
        close_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("SELECT count(*) FROM documents").fetchone()
        open_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        hashes = dict(conn.execute("SELECT doc_id, content_hash FROM documents WHERE collection_name = ?", ("c",)))
        hashes_ms = (time.perf_counter() - started) * 1000
        ids = json.dumps([f"doc-{(i * 7) % n}" if i % 2 else f"missing-{i}" for i in range(1000)])
        started = time.perf_counter()
        conn.execute(
            "SELECT doc_id FROM documents WHERE collection_name = ? AND doc_id IN (SELECT value FROM json_each(?))", ("c", ids)
        ).fetchall()
        exists_ms = (time.perf_counter() - started) * 1000
        conn.close()
        results[str(n)] = {
            "commit100": median(commits[2:]),
            "close": close_ms,
            "open": open_ms,
            "hashes": hashes_ms,
            "exists1000": exists_ms,
            "documents": len(hashes),
            "bytes": os.path.getsize(path),
        }
    print(json.dumps(results))


main()
