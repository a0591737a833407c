"""Python side of the embedded Chroma session.

One process, one chromadb PersistentClient, one request at a time: this process is the only holder of the
GIL-bound client, and its only caller is the owner thread that started it.

Protocol: frames on stdin/stdout, each a 4-byte big-endian length and that many bytes of UTF-8 JSON.
A request is {"op": name, "args": {...}}; a reply is {"ok": result} or {"error": {"type", "kind", "message"}}.
No Python exception ever escapes the loop: each becomes an error reply. Anything a library prints goes to
stderr, because stdout carries the protocol.
"""

import base64
import gc
import hashlib
import json
import os
import struct
import sys
import threading

# Keep the protocol channel private before importing chromadb, which may print.
_protocol_fd = os.dup(1)
os.dup2(2, 1)
sys.stdout = sys.stderr
_protocol_in = sys.stdin.buffer

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

# Never outlive the owner: a host left running after its Node process died would write the directory while the
# next process, which found the path lock free, opens it too.
from die_with_parent import die_with_parent  # noqa: E402  (beside this file)

die_with_parent()

import chromadb  # noqa: E402
from chromadb.config import Settings  # noqa: E402
from chromadb.errors import NotFoundError  # noqa: E402

try:
    from chromadb.errors import InvalidArgumentError  # noqa: E402
except ImportError:  # older chromadb
    InvalidArgumentError = ValueError
from chromadb.api.types import validate_metadata  # noqa: E402
from chroma_direct_scan import open_reader  # noqa: E402  (beside this file)
import numpy as np  # noqa: E402  (chromadb depends on it)

# The collection metadata key naming the distance function (fixed when the collection is created).
SPACE_KEY = "hnsw:space"


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
    _write_all([struct.pack(">I", len(body)), body])


# Characters of text (about) per line of a reply written in lines (see write_frame_lines).
LINE_CHARS = 32_000


def write_frame_lines(result, list_keys):
    """A reply whose lists may carry megabytes of text, as lines in one frame: first {"ok": result without those
    lists}, then objects of the form {key: [items]} whose items the reader appends to result[key], each line
    holding about LINE_CHARS characters of text. The reader (lib/chroma/json-reply.ts) then decodes and parses
    one small line at a time, never the whole reply as one string."""
    lines = [_dumps({"ok": {key: ([] if key in list_keys else value) for key, value in result.items()}})]
    for key in list_keys:
        group, chars = [], 0
        for item in result.get(key) or ():
            group.append(item)
            text = item.get("text") if type(item) is dict else None
            chars += 200 + (len(text) if type(text) is str else 0)
            if chars >= LINE_CHARS:
                lines.append(_dumps({key: group}))
                group, chars = [], 0
        if group:
            lines.append(_dumps({key: group}))
    body = b"\n".join(lines)
    _write_all([struct.pack(">I", len(body)), body])


def _write_all(parts):
    """Writes the header and the body with one system call (no copy joining them), and goes on after a partial
    write (a signal arriving mid-write), so a frame is never cut short."""
    views = [memoryview(part) for part in parts]
    while views:
        if _writev is None:
            written = os.write(_protocol_fd, views[0])
        else:
            written = _writev(_protocol_fd, views)
        while views and written >= len(views[0]):
            written -= len(views[0])
            views.pop(0)
        if views and written:
            views[0] = views[0][written:]


_writev = getattr(os, "writev", None)  # not on Windows: there, one write per part


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


class TypedError(Exception):
    """An error whose kind this host decided (from what it checked, never from a message text)."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def classify(error):
    if isinstance(error, TypedError):
        return error.kind
    if isinstance(error, NotFoundError):
        return "collection_not_found"
    if isinstance(error, (InvalidArgumentError, ValueError, TypeError, KeyError)):
        return "invalid_argument"
    # chromadb's own input errors (duplicate ids in one request, a malformed id, a batch over the limit) are
    # the caller's, as the remote client reports them; looked up by name, as older chromadb lacks some.
    import chromadb.errors as chroma_errors

    input_errors = tuple(
        getattr(chroma_errors, name)
        for name in ("DuplicateIDError", "InvalidUUIDError", "BatchSizeExceededError")
        if hasattr(chroma_errors, name)
    )
    if input_errors and isinstance(error, input_errors):
        return "invalid_argument"
    return "internal"


def chunks(items, size):
    for start in range(0, len(items), size):
        yield start, start + size


def packed_embeddings(wire, count):
    """A write's packed vectors ({"dimension", "base64"}: float32 values in this machine's byte order, row after
    row) as a (count, dimension) array, which chromadb takes as is; None when the write has none. The numbers
    are the caller's, already rounded to float32 as chromadb would round them."""
    if wire is None:
        return None
    if not isinstance(wire, dict) or not isinstance(wire.get("dimension"), int) or not isinstance(wire.get("base64"), str):
        raise TypedError("invalid_argument", "packedEmbeddings must be {dimension, base64}")
    dimension = wire["dimension"]
    values = np.frombuffer(base64.b64decode(wire["base64"], validate=True), dtype=np.float32)
    if dimension <= 0 or values.size != count * dimension:
        raise TypedError("invalid_argument", f"packedEmbeddings holds {values.size} values, not {count} vectors of {dimension}")
    return values.reshape(count, dimension)


WHAT_TO_PASS = (
    "Pass embeddingFunction: an EmbeddingFunction object (it runs in Node), \"hash\" (offline, NOT semantic: "
    "tests and demos), or null and give embeddings yourself."
)


class Embedders:
    """Python-side embedding functions by name, created on first use and kept for the session."""

    def __init__(self, allow_download, model_cache_dir):
        self.allow_download = allow_download
        self.model_cache_dir = model_cache_dir
        self.loaded = {}

    def get(self, name):
        ef = self.loaded.get(name)
        if ef is None:
            ef = self._default() if name in ("default", "onnx_mini_lm_l6_v2") else self._known(name)
            self.loaded[name] = ef
        return ef

    def embed(self, name, texts, for_queries=False):
        ef = self.get(name)
        try:
            vectors = ef.embed_query(texts) if for_queries and hasattr(ef, "embed_query") else ef(texts)
        except TypedError:
            raise
        except Exception as error:  # noqa: BLE001 - a model that fails to run is unavailable, whatever the cause
            raise TypedError("embedding_unavailable", f"the embedding function {name!r} failed: {error}. {WHAT_TO_PASS}")
        return [v.tolist() if hasattr(v, "tolist") else list(v) for v in vectors]

    def _default(self):
        from pathlib import Path

        from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

        ef = ONNXMiniLM_L6_V2()
        if self.model_cache_dir:
            ef.DOWNLOAD_PATH = Path(self.model_cache_dir) / ONNXMiniLM_L6_V2.MODEL_NAME
        folder = Path(ef.DOWNLOAD_PATH) / ef.EXTRACTED_FOLDER_NAME
        present = (folder / "model.onnx").exists() and (folder / "tokenizer.json").exists()
        unavailable = (
            f"chromadb's default embedding function (all-MiniLM-L6-v2 through onnxruntime) needs its model in {folder}"
        )
        if not present and not self.allow_download:
            raise TypedError(
                "embedding_unavailable",
                f"{unavailable}; it is not there and downloading is off (allowModelDownload: false). {WHAT_TO_PASS}",
            )
        if not present:
            try:
                ef._download_model_if_not_exists()
            except Exception as error:  # noqa: BLE001 - offline, proxy, disk: all mean the same to the caller
                raise TypedError(
                    "embedding_unavailable",
                    f"{unavailable}; it is not there and could not be downloaded ({type(error).__name__}). {WHAT_TO_PASS}",
                )
        return ef

    def _known(self, name):
        from chromadb.utils.embedding_functions import known_embedding_functions

        factory = known_embedding_functions.get(name)
        if factory is None:
            known = ", ".join(sorted(known_embedding_functions))
            raise TypedError("embedding_unavailable", f"unknown embedding function {name!r} (chromadb knows: {known}). {WHAT_TO_PASS}")
        try:
            return factory()
        except Exception as error:  # noqa: BLE001 - a missing package or API key
            raise TypedError("embedding_unavailable", f"the embedding function {name!r} could not be created: {error}. {WHAT_TO_PASS}")


class Session:
    def __init__(self, path, allow_download=True, model_cache_dir=None, direct_scan=True):
        self.client = chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))
        # Scans read pages from the client's file where that is exact (see chroma_direct_scan.py); None: get.
        self.direct = open_reader(path, chromadb.__version__) if direct_scan else None
        self.batch = self.client.get_max_batch_size()
        self.temporary = set()
        self.embedders = Embedders(allow_download, model_cache_dir)
        # Collection handles by name: get_collection costs ~0.5 ms, more than a whole count(). This process is
        # the collection's only client (the owner rule), so a handle can only go stale through our own delete.
        self.handles = {}
        self.read_ahead = ReadAhead()

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

    def _remember(self, c, args):
        self.handles[c.name] = c
        if args.get("temporary"):
            self.temporary.add(c.name)
        return {"name": c.name, "metadata": c.metadata}

    def _exists(self, name):
        try:
            self.client.get_collection(name, embedding_function=None)
            return True
        except NotFoundError:
            return False

    def create_collection(self, args):
        name = args["name"]
        try:
            c = self.client.create_collection(name, metadata=args.get("metadata"), embedding_function=None)
        except (InvalidArgumentError, ValueError):
            raise
        except Exception:
            # chromadb reports a taken name as a generic error: check the fact rather than parse its message.
            if self._exists(name):
                raise TypedError("collection_exists", f"Collection [{name}] already exists")
            raise
        return self._remember(c, args)

    def get_or_create_collection(self, args):
        c = self.client.get_or_create_collection(args["name"], metadata=args.get("metadata"), embedding_function=None)
        return self._remember(c, args)

    def get_collection(self, args):
        self.handles.pop(args["name"], None)  # a fresh look at its metadata
        c = self.collection(args["name"])
        return {"name": c.name, "metadata": c.metadata}

    def modify_collection(self, args):
        old = args["collection"]
        c = self.collection(old)
        metadata = args.get("metadata")
        stored = None
        if metadata is not None:
            # Read now, not the handle's copy: another client may have changed it.
            stored = self.client.get_collection(old, embedding_function=None).metadata or {}
            if args.get("merge"):
                metadata = {**stored, **metadata}
        new_name = args.get("name")
        try:
            if metadata is not None and SPACE_KEY in metadata and metadata[SPACE_KEY] == stored.get(SPACE_KEY):
                # chromadb's client refuses any metadata naming the distance function, even unchanged, though the
                # server keeps only what it is sent: so a collection created with one could never be modified
                # (and would lose the key if it were dropped). Unchanged, it is kept; a change is still refused.
                validate_metadata(metadata)
                c._client._modify(id=c.id, new_name=new_name, new_metadata=metadata, tenant=c.tenant, database=c.database)
                c = self.client.get_collection(new_name or old, embedding_function=None)
            else:
                c.modify(name=new_name, metadata=metadata)
        except (InvalidArgumentError, ValueError):
            raise
        except Exception:
            # As for create: a taken name is a generic error in chromadb; check the fact instead.
            if new_name and new_name != old and self._exists(new_name):
                raise TypedError("collection_exists", f"Collection [{new_name}] already exists")
            raise
        self.handles.pop(old, None)
        self.handles[c.name] = c
        if c.name != old and old in self.temporary:
            self.temporary.discard(old)
            self.temporary.add(c.name)
        return {"name": c.name, "metadata": c.metadata}

    def embedding_dimension(self, args):
        return len(self.embedders.embed(args["name"], ["dimension probe"])[0])

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

    def _write(self, write, args):
        col = self.collection(args["collection"])
        ids = args["ids"]
        ef = args.get("embeddingFunction")
        packed = packed_embeddings(args.get("packedEmbeddings"), len(ids))
        for start, end in chunks(ids, self.batch):
            part = {"ids": ids[start:end]}
            for field in ("embeddings", "documents", "metadatas"):
                if args.get(field) is not None:
                    part[field] = args[field][start:end]
            if packed is not None:
                part["embeddings"] = packed[start:end]
            if ef and "embeddings" not in part and "documents" in part:
                part["embeddings"] = self.embedders.embed(ef, part["documents"])
            write(col, **part)
        return len(ids)

    def add(self, args):
        return self._write(lambda col, **part: col.add(**part), args)

    def upsert(self, args):
        return self._write(lambda col, **part: col.upsert(**part), args)

    def update(self, args):
        return self._write(lambda col, **part: col.update(**part), args)

    def get(self, args):
        col = self.collection(args["collection"])
        include = args.get("include", ["documents", "metadatas"])
        ids = args.get("ids")
        where = args.get("where")
        where_document = args.get("whereDocument")
        if ids is None:
            return col.get(
                where=where,
                where_document=where_document,
                include=include,
                limit=args.get("limit"),
                offset=args.get("offset"),
            )
        merged = {"ids": [], "embeddings": [], "documents": [], "metadatas": []}
        for start, end in chunks(ids, self.batch):
            part = col.get(ids=ids[start:end], where=where, where_document=where_document, include=include)
            merged["ids"].extend(part["ids"])
            for field in ("embeddings", "documents", "metadatas"):
                if part.get(field) is not None:
                    merged[field].extend(to_plain(part[field]) if hasattr(part[field], "tolist") else part[field])
        for field in ("embeddings", "documents", "metadatas"):
            if field not in include:
                merged[field] = None
        return merged

    def existing(self, args):
        return self._existing(self.collection(args["collection"]), args["ids"])

    def _existing(self, col, ids):
        found = []
        for start, end in chunks(ids, self.batch):
            found.extend(col.get(ids=ids[start:end], include=[])["ids"])
        return found

    def delete(self, args):
        col = self.collection(args["collection"])
        ids = args.get("ids")
        where, where_document = args.get("where"), args.get("whereDocument")
        if ids is None:
            col.delete(where=where, where_document=where_document)
            return None
        for start, end in chunks(ids, self.batch):
            col.delete(ids=ids[start:end], where=where, where_document=where_document)
        return None

    def query(self, args):
        col = self.collection(args["collection"])
        embeddings = args.get("embeddings")
        if embeddings is None:
            if not args.get("embeddingFunction") or args.get("texts") is None:
                raise TypedError("invalid_argument", "query needs embeddings, or texts and an embedding function")
            embeddings = self.embedders.embed(args["embeddingFunction"], args["texts"], for_queries=True)
        ids = args.get("ids")
        if ids is not None:
            # Chroma fails the whole query on an id it does not have: search among those that exist, as get does.
            ids = self._existing(col, ids)
        return col.query(
            query_embeddings=embeddings,
            ids=ids,
            n_results=args.get("n_results", 10),
            where=args.get("where"),
            where_document=args.get("whereDocument"),
            include=args.get("include", ["documents", "metadatas", "distances"]),
        )

    def summarize_page(self, args):
        """One page of records as per-document-version summaries (see summarize_records). The page after it is
        read ahead (see ReadAhead) while this one is summarised and sent."""
        col = self.collection(args["collection"])
        with_hashes = args.get("withHashes", True) is not False
        limit, offset, where = args["limit"], args["offset"], args.get("where")
        include = ["documents", "metadatas"] if with_hashes else ["metadatas"]
        # A whole scan's pages come from the client's file where that is exact; a filtered one (ids and flags
        # only, already cheap) goes through chromadb.
        direct = self.direct if where is None and with_hashes else None

        def read(at, after=None):
            def through_get():
                return col.get(where=where, include=include, limit=limit + 1, offset=at)

            segment = direct.segment_of(str(col.id)) if direct is not None else None
            if segment is None:
                return through_get
            return lambda: direct.page(segment, limit + 1, offset=at, after=after) or through_get()

        scan = (args["collection"], json.dumps(where, sort_keys=True), with_hashes, limit)
        page = self.read_ahead.take(scan + (offset,))
        if page is None:
            page = read(offset)()
        if len(page["ids"]) > limit:
            # Read from the file, the next page starts after this one's last row: no OFFSET to count through.
            # Valid only for the next request, and only without a write between (a write drops a read ahead).
            rows = page.get("rows")
            self.read_ahead.start(scan + (offset + limit,), read(offset + limit, rows[limit - 1] if rows else None))
        else:
            # The scan's last page: the caller, asking one page ahead, has likely asked for the empty one after it
            # already. Known empty, it is served without a read (chromadb would sort the collection to find so).
            self.read_ahead.start(scan + (offset + limit,), lambda: {"ids": [], "documents": [], "metadatas": []})
        count = min(len(page["ids"]), limit)
        texts = page.get("documents") if with_hashes else None
        texts_of = args.get("withTexts") if with_hashes else None
        # True: every version's text; {"floor": F}: the texts of versions that may be unstaged under F.
        with_texts = True if texts_of is True else (_floor_of(texts_of) if isinstance(texts_of, dict) else False)
        summary = summarize_records(page["ids"][:count], texts, page.get("metadatas"), with_hashes, args["overlap"], with_texts)
        summary["records"] = count
        summary["more"] = len(page["ids"]) > limit
        return summary

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
        if self.direct is not None:
            self.direct.close()
            self.direct = None
        self.client = None
        gc.collect()
        return None


class ReadAhead:
    """The next page of a scan, read in a thread while the current one is summarised and sent, so chromadb goes
    from page to page without waiting for the reply to travel and the next request to come (chromadb releases
    the GIL while it reads). At most one read is ahead, used only by the request for exactly that page. Every
    other operation first waits for it, so chromadb is never called from two threads at once; one that writes
    also drops it, so no page served predates a write this session made."""

    def __init__(self):
        self.key = None
        self.thread = None
        self.page = None

    def start(self, key, read):
        def run():
            try:
                self.page = read()
            except Exception:  # noqa: BLE001 - the request for the page reads it again and reports its error
                self.page = None

        self.key, self.page = key, None
        self.thread = threading.Thread(target=run, name="read-ahead", daemon=True)
        self.thread.start()

    def settle(self, keep):
        """Waits for the read ahead, if any; drops it unless `keep`."""
        if self.thread is not None:
            self.thread.join()
            if not keep:
                self.key = self.thread = self.page = None

    def take(self, key):
        """The page read ahead for `key`, or None; a read ahead for anything else is waited for and dropped."""
        if self.thread is None:
            return None
        self.thread.join()
        page = self.page if self.key == key else None
        self.key = self.thread = self.page = None
        return page


# Write ids below this are integers JavaScript holds exactly, so String(writeId) there is Python's str(write_id).
_SAFE_INTEGER = 2**53

# Metadata values that count as numbers (a bool is not one, as in JavaScript's typeof).
_NUMBER_TYPES = frozenset((int, float))


def _js_string(value):
    """String(value) as JavaScript writes it, for version keys."""
    kind = type(value)
    if kind is int or kind is str:
        return str(value)
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if kind is float and value.is_integer():
        return str(int(value))
    return str(value)


# Metadata keys the sync layer owns on every chunk (SYNC_KEYS in lib/sync/documents.ts): not the document's own,
# so not part of its version.
SYNC_KEYS = frozenset(
    ("source_id", "chunk_index", "total_chunks", "content_hash", "is_local_change", "write_id", "late_write")
)
# Opens the canonical encoding of a document version (VERSION_TAG in lib/sync/hashing.ts).
_VERSION_TAG = b"session-executor/document-version/1\n"


def _js_number(value):
    """A number as JavaScript's String() writes the double nearest to it (ECMAScript Number::toString), from
    the shortest round-trip digits Python's repr gives (the same digits JavaScript chooses)."""
    if type(value) is int and -9007199254740992 <= value <= 9007199254740992:
        return str(value)  # exact as a double, and written without exponent below 1e21
    x = float(value)
    if x == 0:
        return "0"  # and -0
    text = repr(x)
    if "e" not in text and "n" not in text:
        # Python writes positionally from 1e-4 up to 1e16, JavaScript from 1e-7 up to 1e21: the same digits.
        return text[:-2] if text.endswith(".0") else text
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    sign = "-" if x < 0 else ""
    mantissa, _, exponent = repr(abs(x)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    digits = all_digits.lstrip("0")
    # x = 0.<digits> * 10**n
    n = len(whole) + (int(exponent) if exponent else 0) - (len(all_digits) - len(digits))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        exp = ("e+" if e >= 0 else "e-") + str(abs(e))
        text = digits + exp if k == 1 else digits[0] + "." + digits[1:] + exp
    return sign + text


def _encode_value(value, out):
    kind = type(value)
    if kind is str:
        data = value.encode("utf-8", "surrogatepass")
        out += b"s%d:" % len(data)
        out += data
    elif kind is bool:
        out += b"t" if value else b"f"
    elif kind is int or kind is float:
        out += b"n" + _js_number(value).encode("ascii") + b";"
    elif value is None:
        out += b"z"
    elif isinstance(value, (list, tuple)):
        out += b"a%d:" % len(value)
        for item in value:
            _encode_value(item, out)
    elif isinstance(value, dict):
        # Not a value the library writes; another tool's structured value, as the reply would carry it.
        out += b"o%d:" % len(value)
        for key in sorted(value):
            data = key.encode("utf-8", "surrogatepass")
            out += b"%d:" % len(data)
            out += data
            _encode_value(value[key], out)
    elif isinstance(value, bool):
        out += b"t" if value else b"f"
    elif isinstance(value, (int, float)):  # numpy scalars and other numbers
        out += b"n" + _js_number(value).encode("ascii") + b";"
    else:
        _encode_value(to_plain(value), out)  # a list or a string, as the reply would carry it


# Each key's encoded prefix (length and UTF-8 bytes), kept for the few key names a collection uses.
_KEY_PREFIXES = {}


def own_encoding(meta):
    """The canonical encoding of a chunk's own metadata (see lib/sync/hashing.ts): its keys without the sync
    layer's and without null values, in code-point order. Empty bytes when there is none. It runs once per
    document a detection reads, so it takes the key set difference in C and encodes string values inline."""
    keys = meta.keys() - SYNC_KEYS
    if not keys:
        return b""
    out = bytearray()
    prefixes = _KEY_PREFIXES
    for key in sorted(keys):
        value = meta[key]
        if value is None:
            continue
        prefix = prefixes.get(key)
        if prefix is None:
            data = key.encode("utf-8", "surrogatepass")
            prefix = b"%d:%s" % (len(data), data)
            if len(prefixes) < 4096:  # bounded: another tool may use a new key per record
                prefixes[key] = prefix
        out += prefix
        if type(value) is str:
            data = value.encode("utf-8", "surrogatepass")
            out += b"s%d:" % len(data)
            out += data
        else:
            _encode_value(value, out)
    return bytes(out)


def version_hash(text_hash, own):
    """The version hash from the text's SHA-256 (hex) and the own metadata's encoding: the text hash alone when
    the document has no metadata of its own."""
    if not own:
        return text_hash
    return hashlib.sha256(b"".join((_VERSION_TAG, text_hash.encode("ascii"), b"\n", own))).hexdigest()


def document_version(text, meta):
    """The version hash of a document's text and a chunk's metadata (documentHash in lib/sync/hashing.ts)."""
    text_hash = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return version_hash(text_hash, own_encoding(meta))


class _Floor:
    """The stage floor under which a summary carries the texts of versions that may be unstaged."""

    __slots__ = ("floor",)

    def __init__(self, floor):
        self.floor = floor


def _floor_of(spec):
    floor = spec.get("floor")
    if floor is not None and type(floor) not in _NUMBER_TYPES:
        raise TypedError("invalid_argument", "withTexts.floor must be a number or null")
    return _Floor(floor)


def _unstaged_chunk(meta, floor):
    """Whether a chunk is unstaged under the floor (isUnstagedChunk in lib/sync/stage-floor.ts)."""
    if meta.get("is_local_change") is not True:
        return False
    if floor is None:
        return True
    for key in ("write_id", "late_write"):
        value = meta.get(key)
        if type(value) in _NUMBER_TYPES and value >= floor:
            return True
    return False


def may_be_unstaged(digest, recorded, parts, floor):
    """Whether a complete version may differ from what the last stage committed (mayBeUnstaged in
    lib/sync/page-summary.ts): a chunk unstaged under the floor, or a hash other than the recorded one."""
    if digest is None:
        return False
    if digest != recorded:
        return True
    return any(_unstaged_chunk(part[3], floor) for part in parts)


def summarize_records(ids, texts, metadatas, with_hashes, overlap, with_texts=False):
    """Groups records by document and version exactly as the sync layer does (lib/sync/documents.ts): a
    version complete here (chunk indexes 0..n-1 all present, with text when hashing) becomes one summary with
    the version hash of its joined text and its metadata (document_version); the records of any other version
    are returned as they are, since they may straddle a page boundary. The join drops each later chunk's first
    `overlap` code points (Python strings count code points, like the chunker), so the hash equals the one Node
    computes byte for byte. This runs over every record a detection reads, beside chromadb's own reading: it
    is kept to plain dict and tuple work, and a version's key string is built once per version, not per chunk.

    A summary that carries text is an object in "versions"; every other one is a row in "rows", the same
    fields in a fixed order without their names (expandRows in lib/chroma/summary-rows.ts makes the objects):
    [docId, key, writeId, recordedHash, flagged, chunks] and, with hashes, [hash, bytes]. The key is null when
    it is "w:" + the write id, and the hash 1 when it is the recorded one (most documents): a page of rows is
    less than half the JSON of the same objects, to write and to parse."""
    groups = {}
    numbers = _NUMBER_TYPES
    count = len(ids)
    for record_id, text, meta in zip(ids, texts if texts is not None else (None,) * count, metadatas if metadatas is not None else (None,) * count):
        if meta is None:
            meta = {}
        source = meta.get("source_id")
        if type(source) is str:
            write_id = meta.get("write_id")
            if type(write_id) not in numbers:
                write_id = 0
            # A positive write id keys the version by its number (1 and 1.0 are one version, as in JavaScript);
            # otherwise the recorded hash does. Both become the key string below.
            group_key = (source, write_id) if write_id > 0 else (source, "h:" + _js_string(meta.get("content_hash")))
            index = meta.get("chunk_index")
            total = meta.get("total_chunks")
            part = (index if type(index) in numbers else 0, total if type(total) in numbers else 1, text, meta, record_id, write_id)
        else:
            group_key = (record_id, "foreign:" + record_id)
            part = (0, 1, text, meta, record_id, -1)
        # A version of one record (most documents) is kept as its part alone; a list only from a second record.
        group = groups.get(group_key)
        if group is None:
            groups[group_key] = part
        elif type(group) is tuple:
            groups[group_key] = [group, part]
        else:
            group.append(part)
    versions = []
    rows = []
    partial = []
    sha256 = hashlib.sha256
    for (doc_id, key), group in groups.items():
        if type(group) is tuple:  # one record: the same test as below without a sort or a generator
            parts = (group,)
            write_id = group[5]
            complete = group[1] == 1 and group[0] == 0 and (not with_hashes or group[2] is not None)
        else:
            parts = group
            write_id = parts[0][5]  # the first record's, as the sync layer takes it
            parts.sort(key=lambda part: part[0])
            complete = len(parts) == parts[0][1] and all(
                part[0] == n and (not with_hashes or part[2] is not None) for n, part in enumerate(parts)
            )
        if not complete:
            partial.extend({"id": part[4], "text": part[2], "meta": part[3]} for part in parts)
            continue
        if type(key) is str:
            row_key = key
        elif type(key) is int and key < _SAFE_INTEGER:
            row_key = None  # the reader makes it from the write id: "w:" + String(writeId), the same text
            key = None
        else:
            row_key = key = "w:" + _js_string(key)
        first = parts[0][3]
        recorded = first.get("content_hash")
        if type(recorded) is not str:
            recorded = None
        flagged = any(part[3].get("is_local_change") is True for part in parts) if len(parts) > 1 else first.get("is_local_change") is True
        if not with_hashes:
            rows.append((doc_id, row_key, write_id, recorded, flagged, len(parts)))
            continue
        joined = parts[0][2] if len(parts) == 1 else parts[0][2] + "".join(part[2][overlap:] for part in parts[1:])
        data = joined.encode("utf-8", "surrogatepass")
        # The version covers the document's own metadata (chunk 0's); chunks that disagree on it (another
        # tool edited one) give no hash, so the document is not taken to be at either. Encodings compare
        # numbers by value (1 and 1.0 are the same number; True and 1 are not).
        own = own_encoding(first)
        if len(parts) > 1 and not all(own_encoding(part[3]) == own for part in parts[1:]):
            digest = None
        else:
            digest = version_hash(sha256(data).hexdigest(), own)
        # A stage takes the texts it commits from here: every one, or those that may be unstaged.
        if with_texts is True or (with_texts and may_be_unstaged(digest, recorded, parts, with_texts.floor)):
            versions.append({
                "docId": doc_id,
                "key": key if key is not None else "w:" + str(write_id),
                "writeId": write_id,
                "recordedHash": recorded,
                "flagged": flagged,
                "chunks": len(parts),
                "hash": digest,
                "bytes": len(data),
                "text": joined,
                # Keys in one order (chromadb returns them in any): objects parsed from them then share one
                # shape in Node, instead of one per key order, each kept alive with its transitions.
                "meta": dict(sorted(first.items())),
            })
        else:
            # The usual case, a version whose hash is the recorded one, sends 1 for it.
            rows.append((doc_id, row_key, write_id, recorded, flagged, len(parts), 1 if digest == recorded and digest is not None else digest, len(data)))
    return {"versions": versions, "rows": rows, "partial": partial}


# Operations whose replies are written in lines (write_frame_lines), with the lists that carry texts.
LINE_REPLIES = {"summarize_page": ("versions", "rows", "partial")}

# Operations that change nothing: a page read ahead stays valid across them.
READ_ONLY_OPS = frozenset(
    ("list_collections", "get_collection", "max_batch_size", "count", "get", "existing", "query", "embedding_dimension")
)

# The operations a request may name: nothing else of the Session is reachable from the protocol. (A test host
# that extends the Session adds its test-only operations here.)
OPS = {
    "list_collections": Session.list_collections,
    "create_collection": Session.create_collection,
    "get_or_create_collection": Session.get_or_create_collection,
    "get_collection": Session.get_collection,
    "modify_collection": Session.modify_collection,
    "delete_collection": Session.delete_collection,
    "max_batch_size": Session.max_batch_size,
    "count": Session.count,
    "add": Session.add,
    "upsert": Session.upsert,
    "update": Session.update,
    "get": Session.get,
    "existing": Session.existing,
    "delete": Session.delete,
    "query": Session.query,
    "summarize_page": Session.summarize_page,
    "embedding_dimension": Session.embedding_dimension,
    "close": Session.close,
}


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
            if not isinstance(request, dict):
                raise ValueError("a request is an object")
            op = request.get("op")
            args = request.get("args") or {}
            if op == "open":
                if session is not None:
                    session.read_ahead.settle(keep=False)
                session = Session(
                    args["path"],
                    allow_download=args.get("allowModelDownload", True) is not False,
                    model_cache_dir=args.get("modelCacheDir"),
                    direct_scan=args.get("directScan", True) is not False,
                )
                write_frame({"ok": {"maxBatchSize": session.batch, "pid": os.getpid()}})
                continue
            if session is None or session.client is None:
                raise RuntimeError("the session is not open")
            handler = OPS.get(op) if isinstance(op, str) else None
            if handler is None:
                raise TypedError("invalid_argument", f"unknown operation {op!r}")
            if op != "summarize_page":
                session.read_ahead.settle(keep=op in READ_ONLY_OPS)
            result = handler(session, args)
            if op in LINE_REPLIES:
                write_frame_lines(result, LINE_REPLIES[op])
            else:
                write_frame({"ok": result})
            if op == "close":
                break
        except Exception as error:  # noqa: BLE001 - every error becomes a reply
            write_frame(error_reply(error))


if __name__ == "__main__":
    main()
