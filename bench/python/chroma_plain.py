"""The limit for the embedded Chroma session: the same operations in a plain Python script, no executor.
Prints one JSON object: median milliseconds per operation over the repetitions."""
import json
import math
import statistics
import sys
import tempfile
import time

import chromadb
from chromadb.config import Settings

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 10
n = 1000
dim = 32
client = chromadb.PersistentClient(path=tempfile.mkdtemp(prefix="chroma-plain-"), settings=Settings(anonymized_telemetry=False))
ids = [f"doc-{i}" for i in range(n)]
embeddings = [[math.sin(i * 31 + k) for k in range(dim)] for i in range(n)]
documents = [f"document number {i} with some text" for i in range(n)]
metadatas = [{"i": i} for i in range(n)]
timings = {"create": [], "add": [], "get": [], "exists": [], "count": []}

for r in range(reps):
    t = time.perf_counter()
    col = client.create_collection(f"plain-{r}", embedding_function=None)
    timings["create"].append(time.perf_counter() - t)
    t = time.perf_counter()
    col.add(ids=ids, embeddings=embeddings, documents=documents, metadatas=metadatas)
    timings["add"].append(time.perf_counter() - t)
    t = time.perf_counter()
    col.get(ids=ids, include=["documents", "metadatas"])
    timings["get"].append(time.perf_counter() - t)
    t = time.perf_counter()
    col.get(ids=ids, include=[])
    timings["exists"].append(time.perf_counter() - t)
    for _ in range(20):
        t = time.perf_counter()
        col.count()
        timings["count"].append(time.perf_counter() - t)

print(json.dumps({k: statistics.median(v) * 1000 for k, v in timings.items()}))
