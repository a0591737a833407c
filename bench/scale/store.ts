/**
 * The embedded store on a real corpus: `node dist/bench/scale/store.js <store file>` copies a store that
 * `npm run bench:scale` staged (e.g. `.bench-cache/scale/real-10000/staged/store.doltlite`) to a scratch folder
 * (its collection: argv[3], default the scale bench's) and measures, on the copy, with the native engine: open (including the engine process), the first read of
 * every (id, hash) pair, a commit of 100 changed documents and close. Medians of 5, printed as one JSON line. (The store's memory is
 * measured by the store bench, in a fresh process that drops what it read.)
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { COLLECTION } from './tasks.js';

const source = process.argv[2];
if (!source) throw new Error('usage: node dist/bench/scale/store.js <store file>');
const collection = process.argv[3] ?? COLLECTION;
const rounds = 5;
const scratch = mkdtempSync(join(tmpdir(), 'scale-store-'));
const path = join(scratch, basename(source));
copyFileSync(source, path);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]! * 10) / 10;
}

const opens: number[] = [];
const reads: number[] = [];
const commits: number[] = [];
const closes: number[] = [];
let documents = 0;
for (let round = 0; round < rounds; round++) {
  let started = performance.now();
  const store = await DoltLiteStore.open({ path, engine: 'native' });
  opens.push(performance.now() - started);
  started = performance.now();
  const hashes = await store.documentHashes(collection);
  reads.push(performance.now() - started);
  documents = hashes.size;
  const ids = [...hashes.keys()].filter((_, i) => i % Math.max(1, Math.floor(hashes.size / 100)) === 0).slice(0, 100);
  const upserts = ids.map((docId) => {
    const content = `edited in round ${round}: ${docId}`;
    return { docId, content, contentHash: `${round}`.padStart(64, '0'), metadata: {} };
  });
  started = performance.now();
  await store.commitChanges({ collection, upserts, deletes: [], message: `bench: 100 changes, round ${round}` });
  commits.push(performance.now() - started);
  started = performance.now();
  await store.close();
  closes.push(performance.now() - started);
}
console.log(
  JSON.stringify({
    documents,
    fileMiB: Math.round((statSync(source).size / 2 ** 20) * 10) / 10,
    openMs: median(opens),
    firstReadMs: median(reads),
    commitOf100Ms: median(commits),
    closeMs: median(closes),
  }),
);
rmSync(scratch, { recursive: true, force: true });
