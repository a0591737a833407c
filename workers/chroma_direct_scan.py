"""Pages of a collection read straight from the persistent client's SQLite file, for scans (detect and stage).

chromadb's get builds each page through its Rust frontend, which costs two to three times what reading the same
rows from its SQLite file does. A scan reads every record of the collection, so for scans this host reads the
file itself: read-only, through its own connection, only while chromadb is idle (the host runs one request at a
time), and producing exactly what chromadb's get would (ids, documents, metadatas, in the same order, with the
same types).

It is used only where it is known to be exact, and chromadb's get is used everywhere else:
- the installed chromadb is a version whose reader this one was checked against, record for record (the test
  suite compares the two page by page on collections holding every kind of metadata value);
- the file has every table and column read here;
- every write the collection's log holds has been applied to its metadata segment (chromadb applies each write
  before it returns; a log ahead of the segment means something else is going on, and chromadb's get is left to
  deal with it).

Why reading only while chromadb is idle is enough: chromadb and Python's sqlite3 each bring their own copy of
SQLite into this process, and one process's file locks do not keep its own threads apart. chromadb's writes
(the log insert, applying it to the segments, purging the log) all finish before its call returns, so nothing
writes the file while the host is between calls; another process's writes are kept out by the locks as usual.
"""

import os
import sqlite3
from urllib.parse import quote

# chromadb versions whose get this reader reproduces exactly (see the module's docstring).
VERIFIED_VERSIONS = frozenset(("1.5.9",))

# The tables and columns read here.
REQUIRED_COLUMNS = {
    "collections": ("id",),
    "segments": ("id", "scope", "collection"),
    "embeddings": ("id", "segment_id", "embedding_id"),
    "embedding_metadata": ("id", "key", "string_value", "int_value", "float_value", "bool_value"),
    "embedding_metadata_array": ("id", "key", "string_value", "int_value", "float_value", "bool_value"),
    "max_seq_id": ("segment_id", "seq_id"),
    "embeddings_queue": ("seq_id", "topic"),
}

# The largest row id SQLite gives (a window's end past it is not an SQLite integer).
_LAST_ROW = 2**63 - 1

# The metadata key under which chromadb keeps a record's document, and the prefix of the keys it keeps for
# itself (never part of the metadata its get returns).
DOCUMENT_KEY = "chroma:document"
RESERVED_PREFIX = "chroma:"


def open_reader(path, version):
    """A DirectScan of the client's file at `path`, or None where chromadb's get must be used."""
    if version not in VERIFIED_VERSIONS:
        return None
    try:
        # mode=ro: this connection can never write the file chromadb owns.
        db = sqlite3.connect(f"file:{_uri_path(path)}/chroma.sqlite3?mode=ro", uri=True, check_same_thread=False)
    except (sqlite3.Error, OSError, ValueError):
        # The reader only saves time: whatever keeps it from opening leaves the session to chromadb's get.
        return None
    try:
        for table, columns in REQUIRED_COLUMNS.items():
            present = {row[0] for row in db.execute("SELECT name FROM pragma_table_info(?)", (table,))}
            if not present.issuperset(columns):
                db.close()
                return None
    except sqlite3.Error:
        db.close()
        return None
    return DirectScan(db)


def _uri_path(path):
    """`path` as the path part of a file: URI: its bytes as the file system has them (a name need not be UTF-8;
    Python holds the bytes that are not as surrogates), every one a URI gives a meaning to escaped."""
    return quote(os.fsencode(os.path.abspath(path)))


_NO_VALUE = object()


def _stored_value(text, integer, real, flag):
    """A stored value as chromadb reads it: from the first of its columns that holds one."""
    if text is not None:
        return text
    if integer is not None:
        return integer
    if real is not None:
        return float(real)
    if flag is not None:
        return flag != 0
    return _NO_VALUE


class DirectScan:
    """Reads pages of collections from one SQLite file. The connection stays open until the session closes:
    closing a second SQLite connection to a file releases the process's POSIX locks on it, including the ones
    chromadb's own connections hold."""

    def __init__(self, db):
        self.db = db

    def segment_of(self, collection_id):
        """The collection's metadata segment when every write of its log is applied there, else None."""
        try:
            row = self.db.execute(
                "SELECT s.id, m.seq_id FROM segments s LEFT JOIN max_seq_id m ON m.segment_id = s.id"
                " WHERE s.collection = ? AND s.scope = 'METADATA'",
                (collection_id,),
            ).fetchone()
            if row is None:
                return None
            segment, applied = row
            if type(applied) is not int:
                applied = None
            # The newest write of any collection first (the primary key's end: no scan); only when it is past
            # what this segment applied, this collection's newest (the log's topics end with its id:
            # persistent://tenant/database/id), which reads the whole log.
            (logged,) = self.db.execute("SELECT MAX(seq_id) FROM embeddings_queue").fetchone()
            if logged is not None and (applied is None or applied < logged):
                (logged,) = self.db.execute(
                    "SELECT MAX(seq_id) FROM embeddings_queue WHERE substr(topic, -?) = ?",
                    (len(collection_id) + 1, "/" + collection_id),
                ).fetchone()
        except sqlite3.Error:
            return None
        if logged is not None and (applied is None or applied < logged):
            return None
        return segment

    def page(self, segment, count, offset=0, after=None):
        """Up to `count` records of the segment in chromadb's order (its rows' ids), from `offset` or, given
        `after`, those after that row: {"ids", "documents", "metadatas", "rows"} (`rows`: the records' row ids,
        one of which a later page may start `after`). None if the file could not be read (chromadb's get then
        reads the page, and reports what is wrong, if anything is)."""
        try:
            # One read transaction: the page's statements see one state of the file. Without it, a write another
            # process commits between them (a delete) would leave a record listed with neither document nor
            # metadata, a state chromadb never held. The lock it holds ends with the page, so a writer waits
            # for one page at most.
            self.db.execute("BEGIN")
            try:
                return self._page(segment, count, offset, after)
            finally:
                self.db.rollback()
        except sqlite3.Error:
            return None

    def _page(self, segment, count, offset, after):
        if after is None:
            rows = self.db.execute(
                "SELECT id, embedding_id FROM embeddings WHERE segment_id = ? ORDER BY id LIMIT ? OFFSET ?",
                (segment, count, offset),
            ).fetchall()
        else:
            rows = self._rows_after(segment, count, after)
        if not rows:
            return {"ids": [], "documents": [], "metadatas": [], "rows": []}
        first, last = rows[0][0], rows[-1][0]
        # The page's rows are its segment's rows from `first` to `last`. Where they make up most of that range,
        # it is read whole (one range scan; another collection's few rows between them are read past, not in
        # `values`); where other collections' rows fill it (a small collection written among a large one's
        # records), only the page's own rows are read, so a page never costs what lies between its rows.
        if last - first < 2 * len(rows):
            where, bounds = "id BETWEEN ? AND ?", (first, last)
        else:
            where, bounds = "id IN (SELECT id FROM embeddings WHERE segment_id = ? AND id BETWEEN ? AND ?)", (segment, first, last)
        values = {row_id: {} for row_id, _ in rows}
        for row_id, key, text, integer, real, flag in self.db.execute(
            "SELECT id, key, string_value, int_value, float_value, bool_value FROM embedding_metadata WHERE " + where,
            bounds,
        ):
            record = values.get(row_id)
            if record is None:
                continue
            # _stored_value, inline: this loop runs once per stored value of every record of a scan.
            if text is not None:
                record[key] = text
            elif integer is not None:
                record[key] = integer
            elif real is not None:
                record[key] = float(real)
            elif flag is not None:
                record[key] = flag != 0
        arrays = {}
        for row_id, key, text, integer, real, flag in self.db.execute(
            "SELECT id, key, string_value, int_value, float_value, bool_value FROM embedding_metadata_array WHERE "
            + where
            + " ORDER BY id, key, rowid",
            bounds,
        ):
            value = _stored_value(text, integer, real, flag)
            if row_id in values and value is not _NO_VALUE:
                arrays.setdefault((row_id, key), []).append(value)
        for (row_id, key), items in arrays.items():
            values[row_id][key] = items
        documents, metadatas = [], []
        for row_id, _ in rows:
            record = values[row_id]
            document = record.pop(DOCUMENT_KEY, None)
            documents.append(document if type(document) is str else None)
            if not record:
                metadatas.append(None)
            elif any(key.startswith(RESERVED_PREFIX) for key in record):
                metadatas.append({key: value for key, value in record.items() if not key.startswith(RESERVED_PREFIX)})
            else:
                metadatas.append(record)
        return {
            "ids": [embedding_id for _, embedding_id in rows],
            "documents": documents,
            "metadatas": metadatas,
            "rows": [row_id for row_id, _ in rows],
        }

    def _rows_after(self, segment, count, after):
        """The segment's first `count` rows after row `after`. The segment's index is ordered by record id, not
        row: through it, every page would visit and sort all the collection's rows past `after` (at 200,000
        records, 38 ms a page against 5 ms). So the rows are first walked in row order over a window twice the
        page's size, which holds the whole page where the collection's rows lie together; where it does not
        (the collection's last page, or its rows spread among another's), the index is used."""
        rows = self.db.execute(
            "SELECT id, embedding_id FROM embeddings NOT INDEXED WHERE id > ? AND id <= ? AND segment_id = ?"
            " ORDER BY id LIMIT ?",
            (after, min(after + 2 * count, _LAST_ROW), segment, count),
        ).fetchall()
        if len(rows) == count:
            # The first `count` of the segment's rows after `after`: any other lies past the window.
            return rows
        return self.db.execute(
            "SELECT id, embedding_id FROM embeddings WHERE segment_id = ? AND id > ? ORDER BY id LIMIT ?",
            (segment, after, count),
        ).fetchall()

    def close(self):
        try:
            self.db.close()
        except sqlite3.Error:
            pass
