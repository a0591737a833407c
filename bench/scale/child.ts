/**
 * One measured operation in a fresh process, so its peak memory is its own and nothing is warm that a user's
 * first call would not find warm: `node child.js '<task json>'` prints one `SCALE_RESULT <json>` line.
 * Opening Chroma and the store is not timed; the memory window opens after them.
 */
import { readFileSync } from 'node:fs';
import { Chroma } from '../../lib/chroma/chroma.js';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { ChromaDoltSync, type SyncProgress } from '../../lib/sync/chroma-dolt-sync.js';
import { loadCorpus, onePercentChange } from './corpora.js';
import { COLLECTION, type Task } from './tasks.js';
import { openWindow, peakMiB } from './memory.js';

/** Generous deadlines: a page of a large corpus is slow on a loaded machine, and a timeout would void the run. */
const executor = { timeoutMs: 3_600_000, hardDeadlineMs: 7_200_000, maxQueue: 1_000_000 };

async function open(chromaDir: string, storePath?: string, directScan = true) {
  const chroma = await Chroma.embedded({ path: chromaDir, executor, directScan });
  const store = await DoltLiteStore.open({ ...(storePath ? { path: storePath } : {}), executor });
  await chroma.getOrCreateCollection({ name: COLLECTION, embeddingFunction: 'hash' });
  await store.ensureCollection(COLLECTION);
  const sync = new ChromaDoltSync(chroma, store);
  const close = async () => {
    await chroma.close();
    await store.close();
  };
  return { chroma, store, sync, close };
}

/** CPU seconds (user + system) the Python host has used so far, from /proc (0 where there is none). */
function pythonCpu(pid: number | undefined): () => number {
  return () => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
    } catch {
      return 0;
    }
  };
}

async function run(task: Task): Promise<Record<string, unknown>> {
  switch (task.op) {
    case 'write': {
      const { docs } = await loadCorpus(task.corpus);
      const prefix = task.idPrefix ?? '';
      const picked = (task.limit === undefined ? docs : docs.slice(0, task.limit)).map((doc) => ({ ...doc, docId: prefix + doc.docId }));
      const { chroma, sync, close } = await open(task.chromaDir);
      const hostCpu = pythonCpu(await chroma.executor.call('pid', undefined));
      let chunks = 0;
      let sessionOps = 0;
      const cpuStart = { node: process.cpuUsage(), host: hostCpu() };
      const started = performance.now();
      for (let i = 0; i < picked.length; i += task.perCall) {
        const result = await sync.writeDocuments(COLLECTION, picked.slice(i, i + task.perCall));
        chunks += result.chunks;
        sessionOps += result.sessionOps;
      }
      const ms = performance.now() - started;
      const node = process.cpuUsage(cpuStart.node);
      const cpu = { nodeS: (node.user + node.system) / 1e6, hostS: hostCpu() - cpuStart.host };
      // Counted after the timing: the first read of a collection has a one-time cost (the write's lookup pays it).
      const count = await chroma.count(COLLECTION);
      await close();
      return { ms, cpu, documents: picked.length, chunks, count, sessionOps, maxBatchSize: chroma.maxBatchSize, textBytes: picked.reduce((n, d) => n + Buffer.byteLength(d.content), 0) };
    }
    case 'change': {
      const { docs } = await loadCorpus(task.corpus);
      const { edits, deletes } = onePercentChange(docs);
      const { sync, close } = await open(task.chromaDir, task.storePath);
      await sync.writeDocuments(COLLECTION, edits);
      await sync.deleteDocuments(COLLECTION, deletes);
      await close();
      return { modified: edits.length, deleted: deletes.length };
    }
    case 'detect': {
      const { chroma, sync, close } = await open(task.chromaDir, task.storePath, task.directScan ?? true);
      const chunks = await chroma.count(COLLECTION);
      const options = task.verify ? ({ verify: task.verify } as Record<string, unknown>) : {};
      const window = openWindow();
      const started = performance.now();
      const result = await sync.detectLocalChanges(COLLECTION, options);
      const ms = performance.now() - started;
      const peak = peakMiB();
      await close();
      return {
        ms,
        chunks,
        maxBatchSize: chroma.maxBatchSize,
        sessionOps: result.sessionOps,
        storeQueries: result.storeQueries,
        // Which level ran, when the library says so (older versions have one level and no such field).
        verify: (result as unknown as Record<string, unknown>)['verify'] ?? null,
        found: { added: result.added.length, modified: result.modified.length, deleted: result.deleted.length, incomplete: result.incomplete.length },
        timings: result.timings,
        rss: { startMiB: window.startMiB, peakMiB: peak, resetWorked: window.resetWorked },
      };
    }
    case 'stage': {
      const { chroma, sync, close } = await open(task.chromaDir, task.storePath);
      const chunks = await chroma.count(COLLECTION);
      let commitAt = null as number | null;
      let flagOps = 0;
      const onProgress = (p: SyncProgress) => {
        if (p.phase === 'commit') commitAt = performance.now();
        if (p.phase === 'flags') flagOps++;
      };
      const window = openWindow();
      const started = performance.now();
      const result = await sync.stageLocalChanges(COLLECTION, { message: task.message, onProgress });
      const ended = performance.now();
      const peak = peakMiB();
      await close();
      const detectEnd = started + result.timings.totalMs;
      return {
        ms: ended - started,
        chunks,
        maxBatchSize: chroma.maxBatchSize,
        sessionOps: result.sessionOps,
        commit: result.commit,
        flagsCleared: result.flagsCleared,
        found: { added: result.added.length, modified: result.modified.length, deleted: result.deleted.length, incomplete: result.incomplete.length },
        detectMs: result.timings.totalMs,
        // The store commit (with validation): the stage's own timing where it reports one (its totalMs then covers
        // the whole stage), else from the end of detection to the commit's progress report.
        commitMs: result.timings.commitMs ?? (commitAt === null ? 0 : commitAt - detectEnd),
        // Everything after the commit: Chroma metadata updates (flags, recorded hashes) where the library makes them.
        afterCommitMs: ended - (commitAt ?? detectEnd),
        flagOps,
        rss: { startMiB: window.startMiB, peakMiB: peak, resetWorked: window.resetWorked },
      };
    }
  }
}

const task = JSON.parse(process.argv[2] ?? 'null') as Task | null;
if (!task) throw new Error('usage: child.js <task json>');
const result = await run(task);
console.log(`SCALE_RESULT ${JSON.stringify(result)}`);
