"""Python side of the embedded Chroma session.

One process, one chromadb PersistentClient, one request at a time: this process is the only holder of the
GIL-bound client, and its only caller is the owner thread that started it.

Protocol: frames on stdin/stdout, each a 4-byte big-endian length and that many bytes of UTF-8 JSON.
A request is {"op": name, "args": {...}}; a reply is {"ok": result} or {"error": {"type", "kind", "message"}}.
No Python exception ever escapes the loop: each becomes an error reply. Anything a library prints goes to
stderr, because stdout carries the protocol.
"""

import gc
import json
import os
import struct
import sys

# Keep the protocol channel private before importing chromadb, which may print.
_protocol_out = os.fdopen(os.dup(1), "wb", buffering=0)
os.dup2(2, 1)
sys.stdout = sys.stderr
_protocol_in = sys.stdin.buffer

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import chromadb  # noqa: E402
from chromadb.config import Settings  # noqa: E402
from chromadb.errors import NotFoundError  # noqa: E402

try:
    from chromadb.errors import InvalidArgumentError  # noqa: E402
except ImportError:  # older chromadb
    InvalidArgumentError = ValueError


try:
    # orjson comes with chromadb; it encodes a 1,000-record reply in 0.08 ms instead of 1.8 ms, and parses
    # requests twice as fast. Plain json is the fallback.
    import orjson

    def _loads(body):
        return orjson.loads(body)

    def _dumps(message):
        return orjson.dumps(message, default=to_plain, option=orjson.OPT_SERIALIZE_NUMPY)

except ImportError:  # pragma: no cover - chromadb depends on orjson

    def _loads(body):
        return json.loads(body)

    def _dumps(message):
        return json.dumps(message, default=to_plain, ensure_ascii=False, allow_nan=False).encode("utf-8")


def read_frame():
    """The next frame's raw bytes, or None when stdin closed. Parsing is the caller's, inside its error
    handling: a body that does not decode (a lone surrogate, bad UTF-8) must cost one error reply, never the
    process. The whole body is consumed first, so the stream stays in step whatever the body holds."""
    header = _protocol_in.read(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack(">I", header)
    body = _protocol_in.read(length)
    if len(body) < length:
        return None
    return body


def to_plain(value):
    """numpy arrays (embeddings) and other non-JSON values become lists or strings."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def write_frame(message):
    try:
        body = _dumps(message)
    except Exception as error:  # noqa: BLE001 - a result that does not encode is an error reply, not a crash
        body = _dumps(error_reply(error, "internal"))
    _protocol_out.write(struct.pack(">I", len(body)) + body)


def safe_text(text):
    """A str that always encodes as UTF-8 (a message may quote a string with a lone surrogate)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def error_reply(error, kind=None):
    return {
        "error": {
            "type": safe_text(type(error).__name__),
            "kind": kind or classify(error),
            "message": safe_text(str(error)),
        }
    }


def classify(error):
    message = str(error)
    if isinstance(error, NotFoundError) or "does not exist" in message:
        return "collection_not_found"
    if "already exists" in message:
        return "collection_exists"
    if isinstance(error, (InvalidArgumentError, ValueError, TypeError, KeyError)):
        return "invalid_argument"
    return "internal"


def chunks(items, size):
    for start in range(0, len(items), size):
        yield start, start + size


class Session:
    def __init__(self, path):
        self.client = chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))
        self.batch = self.client.get_max_batch_size()
        self.temporary = set()
        # Collection handles by name: get_collection costs ~0.5 ms, more than a whole count(). This process is
        # the collection's only client (the owner rule), so a handle can only go stale through our own delete.
        self.handles = {}

    def collection(self, name):
        handle = self.handles.get(name)
        if handle is None:
            # embedding_function=None: embeddings always come from the caller; Chroma never loads a model.
            handle = self.client.get_collection(name, embedding_function=None)
            self.handles[name] = handle
        return handle

    # ---- collections ----
    def list_collections(self, args):
        return [{"name": c.name, "metadata": c.metadata} for c in self.client.list_collections()]

    def _open_collection(self, method, args):
        c = getattr(self.client, method)(args["name"], metadata=args.get("metadata"), embedding_function=None)
        self.handles[c.name] = c
        if args.get("temporary"):
            self.temporary.add(c.name)
        return {"name": c.name, "metadata": c.metadata}

    def create_collection(self, args):
        return self._open_collection("create_collection", args)

    def get_or_create_collection(self, args):
        return self._open_collection("get_or_create_collection", args)

    def delete_collection(self, args):
        self.handles.pop(args["name"], None)
        self.client.delete_collection(args["name"])
        self.temporary.discard(args["name"])
        return None

    def max_batch_size(self, args):
        return self.batch

    # ---- records ----
    def count(self, args):
        return self.collection(args["collection"]).count()

    def _write(self, method, args):
        col = self.collection(args["collection"])
        ids = args["ids"]
        for start, end in chunks(ids, self.batch):
            part = {"ids": ids[start:end]}
            for field in ("embeddings", "documents", "metadatas"):
                if args.get(field) is not None:
                    part[field] = args[field][start:end]
            getattr(col, method)(**part)
        return len(ids)

    def add(self, args):
        return self._write("add", args)

    def upsert(self, args):
        return self._write("upsert", args)

    def update(self, args):
        return self._write("update", args)

    def get(self, args):
        col = self.collection(args["collection"])
        include = args.get("include", ["documents", "metadatas"])
        ids = args.get("ids")
        where = args.get("where")
        if ids is None:
            return col.get(where=where, include=include, limit=args.get("limit"), offset=args.get("offset"))
        merged = {"ids": [], "embeddings": [], "documents": [], "metadatas": []}
        for start, end in chunks(ids, self.batch):
            part = col.get(ids=ids[start:end], where=where, include=include)
            merged["ids"].extend(part["ids"])
            for field in ("embeddings", "documents", "metadatas"):
                if part.get(field) is not None:
                    merged[field].extend(to_plain(part[field]) if hasattr(part[field], "tolist") else part[field])
        for field in ("embeddings", "documents", "metadatas"):
            if field not in include:
                merged[field] = None
        return merged

    def existing(self, args):
        col = self.collection(args["collection"])
        ids = args["ids"]
        found = []
        for start, end in chunks(ids, self.batch):
            found.extend(col.get(ids=ids[start:end], include=[])["ids"])
        return found

    def delete(self, args):
        col = self.collection(args["collection"])
        ids = args.get("ids")
        if ids is None:
            col.delete(where=args.get("where"))
            return None
        for start, end in chunks(ids, self.batch):
            col.delete(ids=ids[start:end], where=args.get("where"))
        return None

    def query(self, args):
        col = self.collection(args["collection"])
        return col.query(
            query_embeddings=args["embeddings"],
            n_results=args.get("n_results", 10),
            where=args.get("where"),
            include=args.get("include", ["documents", "metadatas", "distances"]),
        )

    # ---- disposal ----
    def close(self, args):
        # The seed system's lesson: a client left alive keeps files open and "already exists" errors follow.
        for name in list(self.temporary):
            try:
                self.client.delete_collection(name)
            except Exception:  # noqa: BLE001 - best effort; closing must go on
                pass
        self.temporary.clear()
        self.handles.clear()
        try:
            self.client.clear_system_cache()
        except Exception:  # noqa: BLE001
            pass
        self.client = None
        gc.collect()
        return None


def main():
    session = None
    while True:
        body = read_frame()
        if body is None:
            break  # the owner is gone: stdin closed
        op = None
        try:
            try:
                request = _loads(body)
            except Exception as error:  # noqa: BLE001
                raise ValueError(f"the request could not be decoded: {type(error).__name__}") from None
            if not isinstance(request, dict) or not isinstance(request.get("op"), str):
                raise ValueError("a request is an object with a string op")
            op = request["op"]
            args = request.get("args") or {}
            if op == "open":
                session = Session(args["path"])
                write_frame({"ok": {"maxBatchSize": session.batch, "pid": os.getpid()}})
                continue
            if session is None or session.client is None:
                raise RuntimeError("the session is not open")
            handler = getattr(session, op, None) if not op.startswith("_") else None
            if handler is None:
                raise ValueError(f"unknown operation {op!r}")
            result = handler(args)
            write_frame({"ok": result})
            if op == "close":
                break
        except Exception as error:  # noqa: BLE001 - every error becomes a reply
            write_frame(error_reply(error))


if __name__ == "__main__":
    main()
