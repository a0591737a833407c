"""Plain-Python baselines for the Python host bench (no Node, no pipe), printed as one JSON object.

  count REPS       median ms of collection.count() back to back, and with 0.1 ms and 0.5 ms of spinning
                   between calls (chromadb answers slower after a pause: its worker threads go idle, and a pipe
                   round trip is such a pause, longer on a loaded machine)
  add FILE         ms to add the records in FILE (ids, documents, metadatas, embeddings as JSON) to a new
                   collection in a new database, in operations of the client's max batch size
"""
import atexit
import json
import shutil
import statistics
import sys
import tempfile
import time

import chromadb
from chromadb.config import Settings


def client():
    path = tempfile.mkdtemp(prefix="host-baseline-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))


def count(reps):
    col = client().create_collection("baseline", embedding_function=None)
    col.add(ids=["a"], embeddings=[[0.1, 0.2, 0.3]])

    def timed(pause):
        samples = []
        for _ in range(reps):
            if pause:
                until = time.perf_counter() + pause
                while time.perf_counter() < until:
                    pass
            started = time.perf_counter()
            col.count()
            samples.append(time.perf_counter() - started)
        return statistics.median(samples) * 1000

    for _ in range(50):
        col.count()
    return {"backToBack": timed(0), "apart": timed(0.0001), "apartLonger": timed(0.0005)}


def add(path):
    with open(path, encoding="utf-8") as file:
        records = json.load(file)
    c = client()
    col = c.create_collection("baseline", embedding_function=None)
    size = c.get_max_batch_size()
    n = len(records["ids"])
    started = time.perf_counter()
    for start in range(0, n, size):
        end = start + size
        col.add(
            ids=records["ids"][start:end],
            documents=records["documents"][start:end],
            metadatas=records["metadatas"][start:end],
            embeddings=records["embeddings"][start:end],
        )
    return {"ms": (time.perf_counter() - started) * 1000, "records": n}


if __name__ == "__main__":
    mode = sys.argv[1]
    print(json.dumps(count(int(sys.argv[2])) if mode == "count" else add(sys.argv[2])))
