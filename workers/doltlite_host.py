"""Python side of the embedded version store's native engine.

One process, one connection to libdoltlite (DoltHub's SQLite with Dolt version control, from the PyPI
`doltlite` wheel), one statement at a time: its only caller is the store's owner thread, which started it.

`import doltlite` makes libdoltlite the SQLite engine of this whole interpreter, which is why it has a process
of its own and never shares one with chromadb (whose own metadata lives in SQLite).

Protocol: frames on stdin/stdout, each a 4-byte big-endian length and that many bytes of UTF-8 JSON.
A request is {"op": name, ...}; a reply is {"ok": result} or {"error": {"type", "kind", "message", "code"}}.
A statement's reply carries its rows as arrays (the column names once) and whether a transaction is open, so
the owner never needs a round trip to ask. No Python exception escapes the loop: each becomes an error reply.
"""

import ctypes
import os
import signal
import struct
import sys

# Keep the protocol channel private: anything a library prints goes to stderr.
_protocol_out = os.fdopen(os.dup(1), "wb", buffering=0)
os.dup2(2, 1)
sys.stdout = sys.stderr
_protocol_in = sys.stdin.buffer

# Files the engine creates (the store, its lock file, a remote's folder) are private to the user: 0600/0700.
os.umask(0o077)

# Never outlive the owner (see the module).
from die_with_parent import die_with_parent  # noqa: E402  (beside this file)

die_with_parent()

# doltlite marks the environment once it has bootstrapped; inherited from a parent, the mark would make it do
# nothing and leave the stdlib SQLite in place (a store without Dolt). This process bootstraps it itself.
os.environ.pop("_DOLTLITE_BOOTSTRAPPED", None)



def _load_libdoltlite():
    """Makes libdoltlite this interpreter's SQLite, before sqlite3 is imported. On Linux that is one dlopen with
    global symbols, which is all `import doltlite` does there; doing it directly saves the package's own
    imports (subprocess, tempfile, shutil: about 30 ms of every store open). Elsewhere the package decides."""
    import importlib.util

    spec = importlib.util.find_spec("doltlite")
    if spec is None:
        raise ImportError("No module named 'doltlite'")
    if not sys.platform.startswith("linux"):
        import doltlite  # noqa: F401

        return
    lib = os.environ.get("DOLTLITE_LIB") or os.path.join(
        list(spec.submodule_search_locations)[0], "_lib", "libdoltlite.so"
    )
    ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)


try:
    _load_libdoltlite()  # must come before sqlite3: it becomes sqlite3's engine
    _import_error = None
except Exception as error:  # noqa: BLE001 - reported in the first reply as an unavailable engine
    _import_error = error

import sqlite3  # noqa: E402

import json  # noqa: E402

_orjson = None


def _loads(body):
    return json.loads(body)


def _dumps(message, large=False):
    """Small replies use the standard library; a large one (thousands of rows) uses orjson when it is there (it
    comes with chromadb), several times faster. It is imported on first need: that costs tens of milliseconds,
    which every store open would otherwise pay."""
    global _orjson
    if large:
        if _orjson is None:
            try:
                import orjson as _imported

                _orjson = _imported
            except ImportError:
                _orjson = False
        if _orjson:
            return _orjson.dumps(message, default=str)
    return json.dumps(message, default=str, ensure_ascii=False).encode("utf-8")


def frames(stream):
    """Request bodies, raw, until stdin closes (or ends inside a frame: the owner is gone either way)."""
    while True:
        header = stream.read(4)
        body = stream.read(struct.unpack(">I", header)[0]) if len(header) == 4 else b""
        if len(header) < 4 or len(body) < struct.unpack(">I", header)[0]:
            return
        yield body


def write_frame(message, large=False):
    try:
        body = _dumps(message, large)
    except Exception as error:  # noqa: BLE001 - a result that does not encode is an error reply
        body = _dumps(error_reply(error, "internal"))
    _protocol_out.write(struct.pack(">I", len(body)) + body)


def safe_text(text):
    return str(text).encode("utf-8", "replace").decode("utf-8")


def error_reply(error, kind, code=None):
    return {"error": {"type": type(error).__name__, "kind": kind, "message": safe_text(error), "code": code}}


CACHE_KIB = 32 * 1024


class Unavailable(Exception):
    pass


class Host:
    def __init__(self):
        self.conn = None

    def open(self, request):
        if _import_error is not None:
            raise Unavailable(f"the doltlite package could not be loaded: {_import_error}")
        path = request.get("path") or ":memory:"
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            version = conn.execute("SELECT dolt_version()").fetchone()[0]
        except sqlite3.Error as error:
            conn.close()
            raise Unavailable(f"this interpreter's SQLite is not libdoltlite ({error})") from error
        # DoltLite's default page cache is 64 MiB, which one full read of a large store fills and keeps. The store's
        # reads are mostly point lookups and one scan per sync; 32 MiB keeps the working part of the tree hot (the
        # file's pages are in the system's cache anyway) and the engine process small.
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self.conn = conn
        return {"version": version, "pid": os.getpid()}

    def batch(self, request):
        """Statements in order, in one round trip; the first that fails ends the batch (its error names it)."""
        results = []
        for index, statement in enumerate(request["statements"]):
            # Conditions let a commit be one round trip: commit only if the status showed changes, and end the
            # transaction only if it is still open.
            positive = statement.get("ifPositive")
            if positive is not None and not (results[positive].get("value") or 0) > 0:
                results.append({"skipped": True})
                continue
            if statement.get("ifInTransaction") and not self.conn.in_transaction:
                results.append({"skipped": True})
                continue
            try:
                results.append(self.run(statement))
            except sqlite3.Error as error:
                error.batch_index = index
                raise
        return {"results": results, "tx": self.conn.in_transaction}

    def run(self, request):
        cursor = self.conn.execute(request["sql"], request.get("bind") or ())
        want = request.get("want", "rows")
        if want == "none":
            cursor.fetchall()
            return {"tx": self.conn.in_transaction}
        if want == "value":
            row = cursor.fetchone()
            cursor.fetchall()
            return {"value": None if row is None else row[0], "tx": self.conn.in_transaction}
        rows = cursor.fetchall()
        if want == "json":
            # The rows as one JSON text inside the reply: the store's owner thread then holds one string, not a
            # pair of objects per row, and hands it to the caller as it is (large reads, e.g. every hash).
            return {"json": _dumps(rows, len(rows) > 1000).decode("utf-8"), "tx": self.conn.in_transaction}
        if want == "arrays":
            return {"rows": rows, "tx": self.conn.in_transaction}
        columns = [d[0] for d in cursor.description] if cursor.description else []
        return {"columns": columns, "rows": rows, "tx": self.conn.in_transaction}

    def close(self, _request):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        return None


_libc = None


def _release_freed_memory():
    """Gives the memory a large reply used back to the system. The C allocator keeps freed heap memory for
    reuse, so after one read of every row the process would stay that much larger for good."""
    global _libc
    try:
        if _libc is None:
            import ctypes

            _libc = ctypes.CDLL("libc.so.6")
        _libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        _libc = False


def main():
    host = Host()
    for body in frames(_protocol_in):
        try:
            request = _loads(body)
            op = request["op"]
            if op == "open":
                write_frame({"ok": host.open(request)})
            elif op in ("run", "batch"):
                if host.conn is None:
                    raise Unavailable("the store is not open")
                result = host.run(request) if op == "run" else host.batch(request)
                large = len(result.get("rows") or ()) > 1000 or len(result.get("json") or "") > 100_000
                write_frame({"ok": result}, large=large)
                if large:
                    del result
                    _release_freed_memory()
            elif op == "close":
                write_frame({"ok": host.close(request)})
                break
            else:
                write_frame(error_reply(ValueError(f"unknown op {op!r}"), "internal"))
        except Unavailable as error:
            write_frame(error_reply(error, "unavailable"))
        except sqlite3.Error as error:
            reply = error_reply(error, "sql", getattr(error, "sqlite_errorcode", None))
            # Whether the failed statement left a transaction open: the owner decides on a rollback by it.
            reply["error"]["tx"] = host.conn is not None and host.conn.in_transaction
            write_frame(reply)
        except Exception as error:  # noqa: BLE001 - one bad request costs one error reply, never the process
            write_frame(error_reply(error, "internal"))
    # stdin closed: the owner is gone or closing. Close the connection (every commit is already on disk).
    host.close(None)


main()
