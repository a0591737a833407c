"""The plain-Python baselines of the scale bench: chromadb's PersistentClient, no library, no executor.

  read PATH COLLECTION PAGE full|ids   pages through the collection (limit PAGE, growing offset) reading ids,
                                       texts and metadata (full) or ids only, as a detector without the library
                                       would; prints {"ms", "records", "pages"}
  add PATH COLLECTION PAGE RECORDS     adds the records of a JSON file (ids, documents, metadatas, embeddings)
                                       in batches of PAGE into the collection (made if missing); prints
                                       {"ms", "records", "count", "cpuS"} (cpuS: this process's CPU seconds)

Opening the client and loading the records file are not timed.
"""
import json
import os
import sys
import time

import chromadb
from chromadb.config import Settings


def client(path):
    return chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))


def read(path, name, page, mode):
    collection = client(path).get_collection(name, embedding_function=None)
    include = ["documents", "metadatas"] if mode == "full" else []
    records = 0
    pages = 0
    started = time.perf_counter()
    offset = 0
    while True:
        got = collection.get(limit=page, offset=offset, include=include)
        pages += 1
        records += len(got["ids"])
        if len(got["ids"]) < page:
            break
        offset += page
    ms = (time.perf_counter() - started) * 1000
    return {"ms": ms, "records": records, "pages": pages}


def add(path, name, page, records_file):
    with open(records_file, encoding="utf-8") as f:
        records = json.load(f)
    collection = client(path).get_or_create_collection(name, embedding_function=None)
    n = len(records["ids"])
    cpu = os.times()
    started = time.perf_counter()
    for start in range(0, n, page):
        end = start + page
        collection.add(
            ids=records["ids"][start:end],
            documents=records["documents"][start:end],
            metadatas=records["metadatas"][start:end],
            embeddings=records["embeddings"][start:end],
        )
    ms = (time.perf_counter() - started) * 1000
    now = os.times()
    # Counted after the timing: a first read of a collection has a one-time cost an add does not pay.
    return {"ms": ms, "records": n, "count": collection.count(), "cpuS": (now.user - cpu.user) + (now.system - cpu.system)}


def main():
    command, path, name, page = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if command == "read":
        result = read(path, name, page, sys.argv[5])
    elif command == "add":
        result = add(path, name, page, sys.argv[5])
    else:
        raise SystemExit(f"unknown command {command!r}")
    print("SCALE_RESULT " + json.dumps(result))


main()
