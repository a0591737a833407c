"""The floor for detection: a plain Python script paging through a collection as detection must, without the
library (one untimed read first, to be as warm as a long-lived session). Arguments: the PersistentClient path, the collection, the page size, repetitions. Prints one JSON object:
median milliseconds of a full paged read of ids, texts and metadata, and of ids only."""
import json
import statistics
import sys
import time

import chromadb
from chromadb.config import Settings

path, name, page, reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
col = chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False)).get_collection(name, embedding_function=None)


def read(include):
    offset, records = 0, 0
    while True:
        got = col.get(include=include, limit=page, offset=offset)
        records += len(got["ids"])
        if len(got["ids"]) < page:
            return records
        offset += page


timings = {"full": [], "ids": []}
read(["documents", "metadatas"])  # warm, as a long-lived session is
for _ in range(reps):
    for kind, include in (("full", ["documents", "metadatas"]), ("ids", [])):
        started = time.perf_counter()
        read(include)
        timings[kind].append((time.perf_counter() - started) * 1000)
print(json.dumps({kind: statistics.median(values) for kind, values in timings.items()}))
