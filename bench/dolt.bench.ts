/**
 * Version stores, in one run:
 * - existence checks on MariaDB (mysql2): one query per id sequentially, one per id through the pool, and
 *   coalesced exists() (1,000 and 10,000 checks over 10,000 rows);
 * - the same checks and the writes on DoltLite (embedded) vs MariaDB;
 * - the file-backed DoltLite store at 1,000, 10,000 and 100,000 documents of 300 characters: a commit of 100
 *   changed documents, open (including the owner thread and engine start), close, reads, owner memory; next to
 *   native libdoltlite (PyPI `doltlite`, from the project environment) doing the same in the same run.
 */
import { Bench } from 'tinybench';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DoltLiteStore } from '../lib/dolt/doltlite-store.js';
import type { DoltLiteEngineKind } from '../lib/dolt/engine/sql-engine.js';
import { findPython } from '../lib/python/discovery.js';
import { MysqlStore } from '../lib/dolt/mysql-store.js';
import type { DocumentRecord, VersionStore } from '../lib/dolt/version-store.js';
import { startMariaDb } from '../lib/servers/mariadb-server.js';
import { emit, medianMs, round } from './report.js';
import mysql from 'mysql2/promise';

const docs = (n: number, prefix = 'doc'): DocumentRecord[] =>
  Array.from({ length: n }, (_, i) => {
    const content = `document ${prefix} ${i} with some content`;
    return { docId: `${prefix}-${i}`, content, contentHash: createHash('sha256').update(content).digest('hex'), metadata: {} };
  });

/** Opens of each store at scale (alternating with the empty one). */
const OPEN_ROUNDS = 7;

// DOLT_BENCH=scale runs only the scale tables (the MariaDB comparison takes a few minutes on a busy machine).
if (process.env.DOLT_BENCH !== 'scale') await comparedWithMariaDb();
await storeAtScale();

async function comparedWithMariaDb(): Promise<void> {
  const server = await startMariaDb();
  const admin = await mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password });
  await admin.query('CREATE DATABASE bench CHARACTER SET utf8mb4');
  await admin.end();
  const maria = await MysqlStore.connect({ url: server.url('bench') });
  const liteDir = mkdtempSync(join(tmpdir(), 'doltlite-bench-'));
  const lite = await DoltLiteStore.open({ path: join(liteDir, 'store.doltlite'), engine: 'native', executor: { maxQueue: 20_000 } });
  // The WebAssembly engine: the previous default, now the fallback without Python.
  const wasm = await DoltLiteStore.open({ path: join(liteDir, 'wasm.doltlite'), engine: 'wasm', executor: { maxQueue: 20_000 } });
  const stores: Record<string, VersionStore> = { 'DoltLite native': lite, 'DoltLite WASM': wasm, MariaDB: maria };
  const base = docs(10_000);
  for (const store of Object.values(stores)) await store.commitChanges({ collection: 'c', upserts: base, deletes: [], message: 'base' });
  const probe = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? `doc-${(i * 7) % 10_000}` : `missing-${i}`));

  const bench = new Bench({ iterations: 5, time: 0, warmupIterations: 1 } as ConstructorParameters<typeof Bench>[0]);
  for (const [name, store] of Object.entries(stores)) {
    for (const n of [1_000, 10_000]) {
      const ids = probe(n);
      bench.add(`${name}|sequential|${n}`, async () => {
        for (const id of ids) await store.existing('c', [id]);
      });
      bench.add(`${name}|pool|${n}`, async () => {
        await Promise.all(ids.map((id) => store.existing('c', [id])));
      });
      bench.add(`${name}|coalesced|${n}`, async () => {
        await Promise.all(ids.map((id) => store.exists('c', id)));
      });
    }
    let round = 0;
    for (const n of [1_000, 10_000]) {
      bench.add(`${name}|write|${n}`, async () => {
        await store.commitChanges({ collection: `w${n}`, upserts: docs(n, `r${round++}`), deletes: [], message: 'write' });
      });
    }
  }
  await bench.run();

  const rows = [];
  for (const n of [1_000, 10_000]) {
    for (const name of Object.keys(stores)) {
      const pooled = medianMs(bench, `${name}|pool|${n}`);
      const coalesced = medianMs(bench, `${name}|coalesced|${n}`);
      rows.push([
        `${name}, ${n.toLocaleString('en')} checks`,
        round(medianMs(bench, `${name}|sequential|${n}`), 1),
        round(pooled, 1),
        round(coalesced, 2),
        `${round(pooled / coalesced, 1)}x`,
      ]);
    }
  }
  emit({
    id: 'store-exists',
    title: 'Existence checks over 10,000 rows: per-id queries vs coalesced, MariaDB (mysql2, pool of 4) and DoltLite',
    columns: ['store, checks', 'one query per id, sequential (ms)', 'one query per id, concurrent (pool) (ms)', 'coalesced exists() (ms)', 'coalesced vs pooled'],
    rows,
    notes: [
      'Median of 5 runs after 1 warm-up. "Concurrent" on DoltLite means all per-id operations queued at once on its owner thread.',
      'Coalesced: N concurrent exists() calls become ceil(N / 5,000) IN-list queries on MariaDB (10,000-id json_each on DoltLite).',
    ],
  });
  emit({
    id: 'store-writes',
    title: 'Writes: one commitChanges (one transaction + commit) of N new documents',
    columns: ['documents', 'DoltLite, native engine (ms)', 'DoltLite, WASM engine (ms)', 'MariaDB (ms)', 'DoltLite native / MariaDB'],
    rows: [1_000, 10_000].map((n) => {
      const a = medianMs(bench, `DoltLite native|write|${n}`);
      const m = medianMs(bench, `DoltLite WASM|write|${n}`);
      const b = medianMs(bench, `MariaDB|write|${n}`);
      return [n.toLocaleString('en'), round(a, 1), round(m, 1), round(b, 1), round(a / b, 2)];
    }),
    notes: [
      'All durable: DoltLite file-backed (its commit appends and syncs), MariaDB InnoDB with its defaults.',
      'The machine was loaded by other work during the run (2 shared vCPUs).',
    ],
  });
  await maria.close();
  await lite.close();
  await wasm.close();
  await server.stop();
  rmSync(liteDir, { recursive: true, force: true });
}


/** Documents of the demo's size (300 characters), revision `rev`: the same text the native script writes. */
function sized(ids: number[], rev: number): DocumentRecord[] {
  return ids.map((i) => {
    const content = `document ${i} revision ${rev} ${'lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(6)}`.slice(0, 300);
    return { docId: `doc-${i}`, content, contentHash: createHash('sha256').update(content).digest('hex'), metadata: {} };
  });
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await work();
  return [performance.now() - started, result];
}

/** Native libdoltlite driven directly from Python, the same statements (the project's environment has it). */
function nativeResults(dir: string, counts: number[]): Record<string, Record<string, number>> | null {
  try {
    const python = findPython().path;
    const script = fileURLToPath(new URL('../../bench/python/doltlite_native.py', import.meta.url));
    return JSON.parse(execFileSync(python, [script, dir, ...counts.map(String)], { encoding: 'utf8' }));
  } catch (error) {
    process.stderr.write(`native libdoltlite not measured: ${(error as Error).message}\n`);
    return null;
  }
}

/** Resident memory of a fresh process that opened the store and read it, plus its engine process's. */
function ownerRss(path: string, engine: DoltLiteEngineKind): number {
  const script = fileURLToPath(new URL('./fixtures/store-rss.js', import.meta.url));
  const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', script, path, engine], { encoding: 'utf8' })) as {
    rss: number;
    engineRss: number;
  };
  return out.rss + out.engineRss;
}

interface ScaleResult {
  openEmpty: number;
  rows: Array<Array<string | number>>;
  readRows: Array<Array<string | number>>;
}

async function openAndRead(path: string, engine: DoltLiteEngineKind): Promise<DoltLiteStore> {
  const opened = await DoltLiteStore.open({ path, engine, executor: { maxQueue: 20_000 } });
  await opened.head();
  return opened;
}

async function scale(engine: DoltLiteEngineKind, counts: number[], dir: string, native: Record<string, Record<string, number>> | null): Promise<ScaleResult> {
  const empty = join(dir, `empty-${engine}.doltlite`);
  await (await DoltLiteStore.open({ path: empty, engine })).close();
  const openEmpty: number[] = [];
  for (let i = 0; i < 5; i++) {
    const [ms, store] = await timed(() => openAndRead(empty, engine));
    openEmpty.push(ms);
    await store.close();
  }
  const emptyRss = ownerRss(empty, engine);
  const rows: Array<Array<string | number>> = [];
  const readRows: Array<Array<string | number>> = [];
  for (const n of counts) {
    const path = join(dir, `store-${engine}-${n}.doltlite`);
    let store = await DoltLiteStore.open({ path, engine, executor: { maxQueue: 20_000 } });
    for (let start = 0; start < n; start += 20_000) {
      const ids = Array.from({ length: Math.min(20_000, n - start) }, (_, k) => start + k);
      await store.commitChanges({ collection: 'c', upserts: sized(ids, 0), deletes: [], message: 'load' });
    }
    // Reopened before measuring (as the direct script does): the load's large writes leave garbage in the
    // threads' heaps that a store opened for use does not have.
    await store.close();
    store = await DoltLiteStore.open({ path, engine, executor: { maxQueue: 20_000 } });
    const commits: number[] = [];
    for (let rev = 1; rev < 18; rev++) {
      const changed = sized(Array.from({ length: 100 }, (_, k) => (rev * 7919 + k * 997) % n), rev);
      const [ms] = await timed(() => store.commitChanges({ collection: 'c', upserts: changed, deletes: [], message: `change ${rev}` }));
      commits.push(ms);
    }
    const closes: number[] = [];
    const opens: number[] = [];
    let [closeMs] = await timed(() => store.close());
    closes.push(closeMs);
    // Opens of this store and of the empty one alternate, so both see the same load on this shared machine.
    const overEmpty: number[] = [];
    for (let i = 0; i < OPEN_ROUNDS; i++) {
      const [emptyMs, emptyStore] = await timed(() => openAndRead(empty, engine));
      await emptyStore.close();
      const [ms, opened] = await timed(() => openAndRead(path, engine));
      opens.push(ms);
      overEmpty.push(ms - emptyMs);
      if (i < OPEN_ROUNDS - 1) {
        [closeMs] = await timed(() => opened.close());
        closes.push(closeMs);
      } else store = opened;
    }
    const [hashesCold] = await timed(() => store.documentHashes('c'));
    const [hashesWarm] = await timed(() => store.documentHashes('c'));
    const probe = Array.from({ length: 1_000 }, (_, i) => (i % 2 ? `doc-${(i * 7) % n}` : `missing-${i}`));
    const [exists] = await timed(() => Promise.all(probe.map((id) => store.exists('c', id))));
    await store.close();
    const nat = native?.[String(n)];
    const commit = median(commits.slice(2));
    const label = `${n.toLocaleString('en')}, ${engine}`;
    rows.push([
      label,
      round(commit, 1),
      nat ? round(nat.commit100!, 1) : 'not measured',
      nat ? `${round(commit / nat.commit100!, 2)}x` : '-',
      round(median(opens), 1),
      round(median(overEmpty), 1),
      nat ? round(nat.open!, 1) : '-',
      round(median(closes), 1),
      n === 100_000 ? round((ownerRss(path, engine) - emptyRss) / 2 ** 20, 1) : '-',
    ]);
    readRows.push([
      label,
      round(hashesCold, 1),
      round(hashesWarm, 1),
      nat ? round(nat.hashes!, 1) : '-',
      round(exists, 2),
      nat ? round(nat.exists1000!, 2) : '-',
    ]);
  }
  return { openEmpty: median(openEmpty), rows, readRows };
}

async function storeAtScale(): Promise<void> {
  const counts = [1_000, 10_000, 100_000];
  const dir = mkdtempSync(join(tmpdir(), 'doltlite-scale-'));
  const native = nativeResults(dir, counts);
  const ours = await scale('native', counts, dir, native);
  // The WebAssembly engine (the previous default, now the fallback without Python), for comparison.
  const wasm = await scale('wasm', [1_000, 100_000], dir, native);
  rmSync(dir, { recursive: true, force: true });
  emit({
    id: 'doltlite-scale',
    title: 'DoltLite store, file-backed: native engine (default) and WASM engine (fallback) vs native libdoltlite driven directly, documents of 300 characters',
    columns: [
      'documents, engine',
      'commit of 100 changed (ms, median of 15)',
      'libdoltlite directly: commit (ms)',
      'ours / direct',
      'open incl. engine start (ms, median of 7)',
      'open over an empty store (ms, median of 7 pairs)',
      'libdoltlite directly: open (ms, no process start)',
      'close (ms, median of 7)',
      'owner + engine RSS over an empty store (MiB)',
    ],
    rows: [...ours.rows, ...wasm.rows],
    notes: [
      `Opening an empty store, including the owner thread and the engine start (median of 5): native ${round(ours.openEmpty, 1)} ms (a Python process importing libdoltlite); WASM ${round(wasm.openEmpty, 1)} ms (WASM init).`,
      'A commit is one commitChanges: sync-log rows, the upsert and dolt_commit in one transaction, synced to disk. "Directly" runs the same statements in one Python process (sqlite3 + libdoltlite) with no thread or pipe between.',
      'Owner + engine RSS: a fresh process opens the store, reads every (id, hash) pair and checks 1,000 ids, drops the pairs (and collects garbage on its main thread); the resident memory of that process (main and owner threads) plus its engine process, minus the same for an empty store. The native engine caps its page cache at 32 MiB.',
      'The machine was loaded by other work during the run (2 shared vCPUs): compare within a row.',
    ],
  });
  emit({
    id: 'doltlite-scale-reads',
    title: 'DoltLite store reads after opening: every (id, hash) pair and 1,000 coalesced exists(), native and WASM engines',
    columns: ['documents, engine', 'documentHashes, first after open (ms)', 'documentHashes, again (ms)', 'libdoltlite directly, first (ms)', '1,000 exists() (ms)', 'libdoltlite directly: 1,000-id lookup (ms)'],
    rows: [...ours.readRows, ...wasm.readRows],
    notes: ['The first read after opening loads the tree nodes it touches from the file; later reads hit the engine cache. The WASM rows are the previous default engine.'],
  });
}
