/**
 * The documents of each corpus, deterministic so every run (and every branch) measures the same data:
 * - `demo`: the demo's bundled generator (short notes, every 15th a multi-chunk article), at any count;
 * - `real`: text files found on this machine (the Python standard library and installed packages: .py, .txt,
 *   .rst), sorted by path and picked at even spacing; document = the file's text, id = its path under a root
 *   label. Files that are not UTF-8 or that the sync layer refuses are skipped (counted).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TextDecoder } from 'node:util';
import { sampleDocuments } from '../../lib/cli/sample-docs.js';
import { resolvePython } from '../../lib/python/discovery.js';
import type { SourceDocument } from '../../lib/sync/documents.js';
import { validateDocuments } from '../../lib/sync/validate-documents.js';
import type { CorpusSpec } from './config.js';

const EXTENSIONS = ['.py', '.txt', '.rst'];

export interface Corpus {
  docs: SourceDocument[];
  /** Files seen but not used (not UTF-8, or refused by the sync layer's checks). */
  skipped: number;
}

export async function loadCorpus(spec: CorpusSpec): Promise<Corpus> {
  if (spec.kind === 'demo') return { docs: sampleDocuments(spec.documents), skipped: 0 };
  return realCorpus(spec.documents);
}

/** Where to look: the interpreter's standard library and packages, plus the system's Python folders. */
async function textRoots(): Promise<Array<{ label: string; dir: string }>> {
  const python = await resolvePython(undefined);
  const script = 'import json, sysconfig; p = sysconfig.get_paths(); print(json.dumps([p["stdlib"], p["purelib"]]))';
  const [stdlib, purelib] = JSON.parse(execFileSync(python, ['-c', script], { encoding: 'utf8' })) as [string, string];
  const roots = [
    { label: 'stdlib', dir: stdlib },
    { label: 'site-packages', dir: purelib },
  ];
  for (const entry of safeReaddir('/usr/lib')) {
    if (/^python3(\.\d+)?$/.test(entry)) roots.push({ label: `usr-lib-${entry}`, dir: join('/usr/lib', entry) });
  }
  return roots;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** Regular files only (symbolic links are not followed, so nothing is found twice); `site-packages` is its own root. */
function walk(dir: string, root: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === '__pycache__' || entry.name === 'site-packages') continue;
      walk(path, root, out);
    } else if (entry.isFile() && EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
      out.push(relative(root, path));
    }
  }
}

async function realCorpus(count: number): Promise<Corpus> {
  const files: Array<{ id: string; path: string }> = [];
  for (const { label, dir } of await textRoots()) {
    const found: string[] = [];
    walk(dir, dir, found);
    for (const rel of found) files.push({ id: `${label}/${rel}`, path: join(dir, rel) });
  }
  files.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const docs: SourceDocument[] = [];
  let skipped = 0;
  const seen = new Set<number>();
  // Even spacing over the sorted list; when a picked file is unusable, the next one along takes its place.
  for (let i = 0; i < count && i < files.length; i++) {
    for (let at = Math.floor((i * files.length) / count); at < files.length; at++) {
      if (seen.has(at)) continue;
      seen.add(at);
      const file = files[at]!;
      const doc = readDocument(file, decoder);
      if (doc) {
        docs.push(doc);
        break;
      }
      skipped++;
    }
  }
  return { docs, skipped };
}

function readDocument(file: { id: string; path: string }, decoder: TextDecoder): SourceDocument | null {
  try {
    if (statSync(file.path).size === 0) return null;
    const content = decoder.decode(readFileSync(file.path));
    const ext = EXTENSIONS.find((e) => file.id.endsWith(e))!.slice(1);
    const doc = { docId: file.id, content, metadata: { ext } };
    validateDocuments([doc], undefined);
    return doc;
  } catch {
    return null;
  }
}

/** The 1% edit: every 100th document gets a line appended, and every 100th (offset by 50) is deleted. */
export function onePercentChange(docs: SourceDocument[]): { edits: SourceDocument[]; deletes: string[] } {
  const edits = docs.filter((_, i) => i % 100 === 0).map((doc) => ({ ...doc, content: `${doc.content}\n\nEdited by the scale bench.\n` }));
  const deletes = docs.filter((_, i) => i % 100 === 50).map((doc) => doc.docId);
  return { edits, deletes };
}
