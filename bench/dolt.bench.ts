/**
 * Version stores, in one run:
 * - existence checks on MariaDB (mysql2): one query per id sequentially, one per id through the pool, and
 *   coalesced exists() (1,000 and 10,000 checks over 10,000 rows);
 * - the same checks and the writes on DoltLite (embedded) vs MariaDB;
 * - the file-backed DoltLite store at 1,000, 10,000 and 100,000 documents of 300 characters: a commit of 100
 *   changed documents, open (including the owner thread and engine start), close, reads, owner memory; next to
 *   native libdoltlite (PyPI `doltlite`, in its own venv) doing the same in the same run.
 */
import { Bench } from 'tinybench';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DoltLiteStore } from '../lib/dolt/doltlite-store.js';
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
  const lite = await DoltLiteStore.open({ path: join(liteDir, 'store.doltlite'), executor: { maxQueue: 20_000 } });
  // In memory is how the previous version held the whole store (it also rewrote a snapshot file per commit).
  const inMemory = await DoltLiteStore.open({ executor: { maxQueue: 20_000 } });
  const stores: Record<string, VersionStore> = { DoltLite: lite, 'DoltLite in memory': inMemory, MariaDB: maria };
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
    columns: ['documents', 'DoltLite, file (ms)', 'DoltLite, in memory (ms)', 'MariaDB (ms)', 'DoltLite file / MariaDB'],
    rows: [1_000, 10_000].map((n) => {
      const a = medianMs(bench, `DoltLite|write|${n}`);
      const m = medianMs(bench, `DoltLite in memory|write|${n}`);
      const b = medianMs(bench, `MariaDB|write|${n}`);
      return [n.toLocaleString('en'), round(a, 1), round(m, 1), round(b, 1), round(a / b, 2)];
    }),
    notes: ['Both durable: DoltLite file-backed (its commit appends and syncs), MariaDB InnoDB with its defaults.'],
  });
  await maria.close();
  await lite.close();
  await inMemory.close();
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

/** Native libdoltlite through Python: its own venv (created once) with the `doltlite` wheel; null if unavailable. */
function nativeResults(dir: string, counts: number[]): Record<string, Record<string, number>> | null {
  const venv = fileURLToPath(new URL('../../.bench-venv-doltlite/', import.meta.url));
  const python = join(venv, 'bin', 'python');
  try {
    if (!existsSync(python)) {
      execFileSync('python3', ['-m', 'venv', venv], { stdio: 'ignore' });
      execFileSync(python, ['-m', 'pip', 'install', '-q', 'doltlite==0.51.3'], { stdio: 'ignore' });
    }
    const script = fileURLToPath(new URL('../../bench/python/doltlite_native.py', import.meta.url));
    return JSON.parse(execFileSync(python, [script, dir, ...counts.map(String)], { encoding: 'utf8' }));
  } catch (error) {
    process.stderr.write(`native libdoltlite not measured: ${(error as Error).message}\n`);
    return null;
  }
}

function ownerRss(path: string): number {
  const script = fileURLToPath(new URL('./fixtures/store-rss.js', import.meta.url));
  return (JSON.parse(execFileSync(process.execPath, [script, path], { encoding: 'utf8' })) as { rss: number }).rss;
}

async function storeAtScale(): Promise<void> {
  const counts = [1_000, 10_000, 100_000];
  const dir = mkdtempSync(join(tmpdir(), 'doltlite-scale-'));
  const native = nativeResults(dir, counts);
  const empty = join(dir, 'empty.doltlite');
  await (await DoltLiteStore.open({ path: empty })).close();
  const openEmpty: number[] = [];
  for (let i = 0; i < 5; i++) {
    const [ms, store] = await timed(async () => {
      const opened = await DoltLiteStore.open({ path: empty });
      await opened.head();
      return opened;
    });
    openEmpty.push(ms);
    await store.close();
  }
  const emptyRss = ownerRss(empty);
  const rows: Array<Array<string | number>> = [];
  const readRows: Array<Array<string | number>> = [];
  for (const n of counts) {
    const path = join(dir, `store-${n}.doltlite`);
    let store = await DoltLiteStore.open({ path, executor: { maxQueue: 20_000 } });
    for (let start = 0; start < n; start += 20_000) {
      const ids = Array.from({ length: Math.min(20_000, n - start) }, (_, k) => start + k);
      await store.commitChanges({ collection: 'c', upserts: sized(ids, 0), deletes: [], message: 'load' });
    }
    const commits: number[] = [];
    for (let rev = 1; rev < 8; rev++) {
      const changed = sized(Array.from({ length: 100 }, (_, k) => (rev * 7919 + k * 997) % n), rev);
      const [ms] = await timed(() => store.commitChanges({ collection: 'c', upserts: changed, deletes: [], message: `change ${rev}` }));
      commits.push(ms);
    }
    const [closeMs] = await timed(() => store.close());
    const opens: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [ms, opened] = await timed(async () => {
        const s = await DoltLiteStore.open({ path, executor: { maxQueue: 20_000 } });
        await s.head();
        return s;
      });
      opens.push(ms);
      if (i < 2) await opened.close();
      else store = opened;
    }
    const [hashesCold] = await timed(() => store.documentHashes('c'));
    const [hashesWarm] = await timed(() => store.documentHashes('c'));
    const probe = Array.from({ length: 1_000 }, (_, i) => (i % 2 ? `doc-${(i * 7) % n}` : `missing-${i}`));
    const [exists] = await timed(() => Promise.all(probe.map((id) => store.exists('c', id))));
    await store.close();
    const nat = native?.[String(n)];
    const commit = median(commits.slice(2));
    rows.push([
      n.toLocaleString('en'),
      round(commit, 1),
      nat ? round(nat.commit100!, 1) : 'not measured',
      nat ? `${round(commit / nat.commit100!, 2)}x` : '-',
      round(median(opens), 1),
      nat ? round(nat.open!, 1) : '-',
      round(closeMs, 1),
      n === 100_000 ? round((ownerRss(path) - emptyRss) / 2 ** 20, 1) : '-',
    ]);
    readRows.push([
      n.toLocaleString('en'),
      round(hashesCold, 1),
      round(hashesWarm, 1),
      nat ? round(nat.hashes!, 1) : '-',
      round(exists, 2),
      nat ? round(nat.exists1000!, 2) : '-',
    ]);
  }
  rmSync(dir, { recursive: true, force: true });
  emit({
    id: 'doltlite-scale',
    title: 'DoltLite store, file-backed (WASM engine + node:fs VFS) vs native libdoltlite, documents of 300 characters',
    columns: [
      'documents',
      'commit of 100 changed (ms, median of 5)',
      'native commit (ms)',
      'ours / native',
      'open incl. engine start (ms, median of 3)',
      'native open (ms, no engine start)',
      'close (ms)',
      'owner RSS over an empty store (MiB)',
    ],
    rows,
    notes: [
      `Opening an empty store (owner thread, WASM init, header read): ${round(median(openEmpty), 1)} ms (median of 5).`,
      'A commit is one commitChanges: sync-log rows, the upsert and dolt_commit in one transaction, synced to disk; native runs the same statements in Python (sqlite3 + libdoltlite), including its sync.',
      'Owner RSS: a fresh process opens the store, reads every (id, hash) pair and checks 1,000 ids; resident memory minus the same for an empty store (the row in BENCHMARKS.md was measured with a scan that stayed in the owner, without the main thread\'s copy of the pairs).',
    ],
  });
  emit({
    id: 'doltlite-scale-reads',
    title: 'DoltLite store reads after opening: every (id, hash) pair and 1,000 coalesced exists()',
    columns: ['documents', 'documentHashes, first after open (ms)', 'documentHashes, again (ms)', 'native, first (ms)', '1,000 exists() (ms)', 'native 1,000-id lookup (ms)'],
    rows: readRows,
    notes: ['The first read after opening loads the tree nodes it touches from the file; later reads hit the engine cache.'],
  });
}
