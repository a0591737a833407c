/**
 * Populated corpora, kept between runs: writing 100,000 documents and staging them takes many minutes, and
 * every measurement starts from one of two states, so each corpus is built once per format:
 * - `unstaged/chroma`: every document written with writeDocuments, nothing staged (first stages start here);
 * - `staged/chroma` + `staged/store.doltlite`: the same after the first stage (detects and 1% stages start here).
 * The first stage made while building is also the first-stage measurement (it is the expensive one).
 *
 * The format is a fingerprint of the compiled code that decides what is on disk (the sync layer, the stores,
 * the corpus generator) and of the DoltLite engine's version: a branch that changes any of them gets its own
 * build of the cache, made by its own code. Set SCALE_REPOPULATE=1 to rebuild anyway.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from './processes.js';
import { corpusId, type CorpusSpec, type ScaleConfig } from './config.js';
import { loadCorpus } from './corpora.js';

export interface CorpusCache {
  unstagedChroma: string;
  stagedChroma: string;
  stagedStore: string;
  /** The populate write (all documents). */
  write: Record<string, any>;
  /** The first stage made while populating. */
  firstStage: Record<string, any>;
  skipped: number;
}

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** Files (recursively) whose bytes decide the cached data's format. */
const FORMAT_SOURCES = [
  here('../../lib/sync'),
  here('../../lib/dolt'),
  here('../../lib/cli/sample-docs.js'),
  here('./corpora.js'),
  here('../../../node_modules/@dolthub/doltlite-wasm/package.json'),
];

function addToHash(hash: ReturnType<typeof createHash>, path: string): void {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) if (!name.endsWith('.map') && !name.endsWith('.d.ts')) addToHash(hash, join(path, name));
    return;
  }
  hash.update(path).update(readFileSync(path));
}

export function formatFingerprint(spec: CorpusSpec): string {
  const hash = createHash('sha256').update(JSON.stringify(spec));
  for (const source of FORMAT_SOURCES) addToHash(hash, source);
  return hash.digest('hex').slice(0, 16);
}

interface Meta {
  fingerprint: string;
  builtAt: string;
  skipped: number;
  write: Record<string, any>;
  firstStage: Record<string, any>;
}

export async function ensureCorpusCache(spec: CorpusSpec, config: ScaleConfig, log: (message: string) => void): Promise<CorpusCache> {
  const id = corpusId(spec);
  const dir = join(config.cacheDir, id);
  const paths = {
    unstagedChroma: join(dir, 'unstaged', 'chroma'),
    stagedChroma: join(dir, 'staged', 'chroma'),
    stagedStore: join(dir, 'staged', 'store.doltlite'),
  };
  const fingerprint = formatFingerprint(spec);
  const metaPath = join(dir, 'meta.json');
  if (!config.repopulate && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Meta;
    if (meta.fingerprint === fingerprint) {
      log(`${id}: using the populated corpus built ${meta.builtAt}`);
      return { ...paths, write: meta.write, firstStage: meta.firstStage, skipped: meta.skipped };
    }
    log(`${id}: the cached corpus has another format (${meta.fingerprint}, now ${fingerprint}): building it again`);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { skipped } = await loadCorpus(spec);
  log(`${id}: writing the corpus (writeDocuments, 2,000 documents per call)`);
  const write = runChild({ op: 'write', chromaDir: paths.unstagedChroma, corpus: spec, perCall: 2_000 });
  log(`${id}: ${write['documents']} documents, ${write['chunks']} chunks in ${(write['ms'] / 1000).toFixed(1)} s; first stage`);
  cpSync(paths.unstagedChroma, paths.stagedChroma, { recursive: true });
  const firstStage = runChild({ op: 'stage', chromaDir: paths.stagedChroma, storePath: paths.stagedStore, message: 'scale: first stage' });
  log(`${id}: first stage ${(firstStage['ms'] / 1000).toFixed(1)} s`);
  const meta: Meta = { fingerprint, builtAt: new Date().toISOString(), skipped, write, firstStage };
  writeFileSync(metaPath, JSON.stringify(meta, null, 2));
  return { ...paths, write, firstStage, skipped };
}
