/**
 * Checkout between two commits that differ in 1% of 10,000 documents, against re-importing the whole
 * collection from the store (what a checkout that rewrote Chroma would cost), on the embedded Chroma session
 * and DoltLite, in one run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chroma } from '../lib/chroma/chroma.js';
import { DoltLiteStore } from '../lib/dolt/doltlite-store.js';
import { Repository } from '../lib/repository/repository.js';
import { emit, round } from './report.js';

const DOCUMENTS = 10_000;
const CHANGED = DOCUMENTS / 100;
const dir = mkdtempSync(join(tmpdir(), 'checkout-bench-'));
const chroma = await Chroma.embedded({ path: dir, executor: { maxQueue: 50_000, timeoutMs: 300_000, hardDeadlineMs: 600_000 } });
const store = await DoltLiteStore.open({ executor: { maxQueue: 50_000, timeoutMs: 300_000, hardDeadlineMs: 600_000 } });
const repo = await Repository.open({ chroma, store });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const opsOf = () => Object.values(chroma.executor.stats().ops).reduce((sum, op) => sum + op.ok + op.error, 0);

await chroma.createCollection({ name: 'corpus' });
const docs = Array.from({ length: DOCUMENTS }, (_, i) => ({ docId: `d${i}`, content: `Document ${i}: ${'lorem ipsum '.repeat(20)}` }));
for (let i = 0; i < DOCUMENTS; i += 5_000) await repo.sync.writeDocuments('corpus', docs.slice(i, i + 5_000));
await repo.commit('10,000 documents');
await repo.checkout('edit', { create: true });
await repo.sync.writeDocuments('corpus', Array.from({ length: CHANGED }, (_, i) => ({ docId: `d${i * 97}`, content: `edited ${i}` })));
await repo.commit('1% edited');

async function measureCheckouts(verify: 'content' | 'flags'): Promise<{ ms: number; ops: number }> {
  const times: number[] = [];
  let ops = 0;
  for (let i = 0; i < 6; i++) {
    const target = (await repo.head()).branch === 'main' ? 'edit' : 'main';
    const before = opsOf();
    const started = performance.now();
    const result = await repo.checkout(target, { verify });
    times.push(performance.now() - started);
    ops = opsOf() - before;
    if (result.written !== CHANGED) throw new Error(`checkout wrote ${result.written} documents`);
  }
  return { ms: median(times), ops };
}
const content = await measureCheckouts('content');
const flags = await measureCheckouts('flags');

const reimport: number[] = [];
let reimportOps = 0;
for (let i = 0; i < 3; i++) {
  const ops = opsOf();
  const started = performance.now();
  const all = await repo.collectionAt('main', 'corpus');
  await chroma.deleteCollection('corpus');
  await chroma.createCollection({ name: 'corpus' });
  for (let j = 0; j < all.length; j += 5_000) {
    await repo.sync.writeDocuments('corpus', all.slice(j, j + 5_000).map((d) => ({ docId: d.docId, content: d.content })));
  }
  reimport.push(performance.now() - started);
  reimportOps = opsOf() - ops;
}

const b = median(reimport);
emit({
  id: 'repository-checkout',
  title: 'Checkout between two commits differing in 1% of 10,000 documents vs re-importing the collection (embedded Chroma + DoltLite)',
  columns: ['approach', 'ms (median)', 'Chroma ops', 'speed-up'],
  rows: [
    ["checkout, verify: 'flags' (proof of no local change reads no text)", round(flags.ms, 1), flags.ops, `${round(b / flags.ms, 1)}x`],
    ["checkout, verify: 'content' (default: full detection first)", round(content.ms, 1), content.ops, `${round(b / content.ms, 1)}x`],
    ['re-import all 10,000 documents', round(b, 1), reimportOps, '1x'],
  ],
  notes: [
    "Checkout: median of 6 each (alternating main and the edited branch): look for uncommitted changes, the store diff (one query), one delete, one write and one flag update of the 100 documents. 'content' looks by re-reading and re-hashing all 10,000 documents (one Chroma read per page of 5,461 chunks); 'flags' proves the working copy clean from chunk counts and flags without reading text.",
    'Re-import: median of 3; read the commit from the store, delete and recreate the collection, write every document. Machine loaded by other work during the run.',
  ],
});
await chroma.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
