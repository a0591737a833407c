/**
 * The main job: import a document set into Chroma, detect and commit it to the version store, edit and delete
 * some documents, detect and commit again, and show the log and the last commit's diff, printing each step's
 * operation counts and timings and both executors' stats.
 */
import { DoltLiteStore } from '../dolt/doltlite-store.js';
import type { DetectResult } from '../sync/chroma-dolt-sync.js';
import { ChromaDoltSync } from '../sync/chroma-dolt-sync.js';
import type { Connected } from './connect.js';
import { Progress } from './progress.js';
import { editedDocuments, sampleDocuments } from './sample-docs.js';

export interface DemoOptions {
  collection: string;
  /** Number of documents in the bundled set. */
  documents: number;
  print: (line: string) => void;
}

export interface DemoSummary {
  collection: string;
  firstDetect: { added: number; modified: number; deleted: number };
  secondDetect: { added: number; modified: number; deleted: number };
  commits: string[];
  logLength: number;
  lastDiff: Array<{ type: string; docId: string }>;
  highWater: { chroma: number; store: number };
}

const WRITE_BATCH = 25;

function counts(result: DetectResult) {
  return { added: result.added.length, modified: result.modified.length, deleted: result.deleted.length };
}

function describe(result: DetectResult): string {
  const { added, modified, deleted } = counts(result);
  const t = result.timings;
  return (
    `${added} added, ${modified} modified, ${deleted} deleted ` +
    `(${result.sessionOps} Chroma op${result.sessionOps === 1 ? '' : 's'} + ${result.storeQueries} store quer${result.storeQueries === 1 ? 'y' : 'ies'}; ` +
    `${t.totalMs.toFixed(1)} ms: Chroma ${t.chromaMs.toFixed(1)}, store ${t.storeMs.toFixed(1)}, compare ${t.compareMs.toFixed(1)})`
  );
}

export async function runDemo(connected: Connected, options: DemoOptions): Promise<DemoSummary> {
  const { chroma, store } = connected;
  const { print, collection } = options;
  const sync = new ChromaDoltSync(chroma, store);
  /** Runs one step and prints how long it took. */
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    print(`  done in ${(performance.now() - started).toFixed(1)} ms`);
    return result;
  };

  print(`Chroma:  ${connected.describe.chroma}`);
  print(`Store:   ${connected.describe.store}`);
  await chroma.getOrCreateCollection({ name: collection });
  const docs = sampleDocuments(options.documents);

  print(`\n1. Write ${docs.length} documents into Chroma collection "${collection}" (chunked, marked is_local_change)`);
  await timed(async () => {
    const progress = new Progress('writing', docs.length);
    for (let i = 0; i < docs.length; i += WRITE_BATCH) {
      await sync.writeDocuments(collection, docs.slice(i, i + WRITE_BATCH));
      progress.update(Math.min(docs.length, i + WRITE_BATCH));
    }
  });

  print('\n2. Detect local changes');
  const first = await timed(() => sync.detectLocalChanges(collection));
  print(`  ${describe(first)}`);

  print('\n3. Stage and commit');
  const firstCommit = await timed(() => sync.stageLocalChanges(collection, { message: `demo: import ${docs.length} documents` }));
  print(`  commit ${firstCommit.commit ?? '(nothing to commit)'}`);

  const edits = editedDocuments(docs);
  const doomed = docs.filter((_, i) => i % 20 === 7).map((doc) => doc.docId);
  print(`\n4. Edit ${edits.length} documents and delete ${doomed.length}`);
  await timed(async () => {
    await sync.writeDocuments(collection, edits);
    await sync.deleteDocuments(collection, doomed);
  });

  print('\n5. Detect local changes');
  const second = await timed(() => sync.detectLocalChanges(collection));
  print(`  ${describe(second)}`);

  print('\n6. Stage and commit');
  const secondCommit = await timed(() =>
    sync.stageLocalChanges(collection, { message: `demo: edit ${edits.length}, delete ${doomed.length}` }),
  );
  print(`  commit ${secondCommit.commit ?? '(nothing to commit)'}`);

  print('\n7. Version history (newest first)');
  const log = await store.log(5);
  for (const commit of log) print(`  ${commit.hash.slice(0, 12)}  ${commit.date}  ${commit.message}`);

  const lastDiff = secondCommit.commit ? await store.diff(secondCommit.commit) : [];
  print(`\n8. Diff of the last commit (${lastDiff.length} documents)`);
  for (const change of lastDiff.slice(0, 20)) print(`  ${change.type.padEnd(8)} ${change.docId}`);
  if (lastDiff.length > 20) print(`  ... and ${lastDiff.length - 20} more`);

  print('\n9. Executor stats');
  const chromaStats = chroma.executor.stats();
  // Only the embedded store runs in an owner thread; a server store has no executor stats.
  const storeStats = store instanceof DoltLiteStore ? store.executor.stats() : undefined;
  for (const [name, stats] of [['Chroma', chromaStats], ['DoltLite', storeStats]] as const) {
    if (!stats) continue;
    const ops = Object.entries(stats.ops)
      .map(([op, s]) => `${op} ${s.ok}${s.error ? `/${s.error} err` : ''} (p50 ${s.runMs.p50} ms)`)
      .join(', ');
    const saturated = stats.saturation.events.filter((e) => e.type === 'saturated').length;
    print(`  ${name}: high-water ${stats.highWater}, restarts ${stats.restarts}, saturation warnings ${saturated}`);
    print(`    ops: ${ops}`);
  }

  return {
    collection,
    firstDetect: counts(first),
    secondDetect: counts(second),
    commits: [firstCommit.commit, secondCommit.commit].filter((c): c is string => c !== null),
    logLength: log.length,
    lastDiff: lastDiff.map((change) => ({ type: change.type, docId: change.docId })),
    highWater: { chroma: chromaStats.highWater, store: storeStats?.highWater ?? 0 },
  };
}
