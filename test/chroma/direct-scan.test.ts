/**
 * The embedded host reads a scan's pages straight from Chroma's SQLite file (workers/chroma_direct_scan.py):
 * that is only right if every page is what chromadb's get gives. Checked by a Python script against the real
 * chromadb the project installs, on collections holding every kind of record, page by page and summary by
 * summary; the sync and repository suites then run every detect and stage through it.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { checkEmbeddedOptions } from '../../lib/chroma/check-options.js';
import { findPython } from '../../lib/python/discovery.js';

const script = fileURLToPath(new URL('../fixtures/direct_scan_check.py', import.meta.url));

interface Report {
  version: string;
  counts: [number, number, number, boolean];
  pages: { usable: boolean; segment: boolean; pages: number; mismatches: unknown[] };
  summaries: Array<{ size: number; readAhead: boolean; pages: number; directReads: number; getOnlyReads: number; versions: number; same: boolean }>;
  stepAside: Record<string, boolean>;
  snapshot: { write: string; pageAsBefore: boolean; writeAfterPage: boolean | null; laterPageWithoutIt: boolean };
  paths: Record<string, boolean>;
  sparse: { same: boolean; records: number; rowsRead: number; ownRows: number };
  continued: { inner: number; last: number; same: boolean };
  lastRows: unknown[];
}

test('a scan read from the file gives what chromadb gives: every page, value and type, and every summary', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'se-direct-scan-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const output = join(dir, 'report.json');
  await promisify(execFile)(findPython().path, [script, dir, output], { timeout: 180_000 });
  const report = JSON.parse(readFileSync(output, 'utf8')) as Report;

  // 12 rounds of 6 records, 3 deleted and 1 added back; the other collection's 12 rows lie between them (and
  // it has the newest write). The file, read right after the last write returned, holds it.
  t.deepEqual(report.counts, [70, 13, 70, true]);
  t.true(report.pages.usable, `the installed chromadb ${report.version} is one the reader is verified against`);
  t.true(report.pages.segment);
  t.true(report.pages.pages > 80, `pages compared: ${report.pages.pages}`);
  t.deepEqual(report.pages.mismatches, []);
  for (const run of report.summaries) {
    const name = `pages of ${run.size}, ${run.readAhead ? 'read ahead' : 'no read ahead'}`;
    t.true(run.same, name);
    t.true(run.directReads >= run.pages, `${name}: every page read from the file (${run.directReads})`);
    t.is(run.getOnlyReads, 0, name);
    t.true(run.versions > 0, name);
  }
  t.deepEqual(report.stepAside, { unverified_version: true, log_ahead: true, missing_column: true, no_collection: true, unreadable_page: true });
  // Another process deleting a record of the page between the page's statements: the page is read from one
  // state of the file (the delete waits for it), never a record left with neither document nor metadata.
  t.deepEqual(report.snapshot, { write: 'waited', pageAsBefore: true, writeAfterPage: true, laterPageWithoutIt: true });
  // Directory names with a URI's characters, or bytes that are not UTF-8 (where opening the reader used to fail
  // the whole session), read from the file whether given absolute or relative.
  // A small collection's 4 records written among 600 of another's: the same pages as get, and a page reads its
  // own metadata rows only (it used to read every row between its first and last record).
  t.true(report.sparse.same);
  t.is(report.sparse.records, 4);
  t.true(report.sparse.ownRows > 0);
  t.is(report.sparse.rowsRead, report.sparse.ownRows);
  // A page continuing after another is listed by one walk over a window of rows (not through the collection's
  // index, which visits and sorts every later record); the last page takes one more statement.
  t.deepEqual(report.continued, { inner: 1, last: 2, same: true });
  t.deepEqual(report.lastRows, [['a'], ['b', 'c']], 'rows up to the largest row id SQLite gives');
  t.deepEqual(report.paths, { 'with space': true, 'mark?and#hash': true, 'pct%41%': true, 'ünï 😀;a&b=c': true, 'latin-\\xe9': true });
});

test('directScan must be a boolean', (t) => {
  t.notThrows(() => checkEmbeddedOptions({ directScan: false }));
  const error = t.throws(() => checkEmbeddedOptions({ directScan: 'no' })) as Error & { code?: string };
  t.is(error.code, 'ERR_INVALID_ARG_TYPE');
  t.regex(error.message, /directScan/);
});
