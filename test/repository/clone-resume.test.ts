/**
 * A clone interrupted after it began filling Chroma (a crash, a failed write) leaves its journal; running the same
 * clone again finishes it and succeeds, where it used to refuse the Chroma its first run had filled.
 */
import test from 'ava';
import { join } from 'node:path';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { Repository } from '../../lib/repository/repository.js';
import { ChromaDoltSync, type WriteOptions, type WriteResult } from '../../lib/sync/chroma-dolt-sync.js';
import type { SourceDocument } from '../../lib/sync/documents.js';
import { openEmbeddedChroma } from '../helpers/open-chroma.js';
import { tempDir } from '../helpers/temp-dir.js';
import { chromaContents } from './scenario.js';

/** Stops the process's work right after its first write to Chroma, as a crash there would. */
class FailAfterFirstWrite extends ChromaDoltSync {
  override async writeDocuments(collection: string, docs: SourceDocument[], options?: WriteOptions): Promise<WriteResult> {
    await super.writeDocuments(collection, docs, options);
    throw new Error('interrupted after the first write');
  }
}

test('clone: the same clone run again after an interruption past its first write finishes it; another remote is still refused', async (t) => {
  const dir = tempDir(t, 'clone-resume');
  const url = `file://${join(dir, 'remote.doltlite')}`;
  const sourceChroma = await openEmbeddedChroma(t, 'clone-resume-source');
  const sourceStore = await DoltLiteStore.open();
  t.teardown(() => sourceStore.close());
  const source = await Repository.open({ chroma: sourceChroma, store: sourceStore });
  for (const name of ['first', 'second']) {
    await sourceChroma.createCollection({ name });
    await source.sync.writeDocuments(name, Array.from({ length: 5 }, (_, i) => ({ docId: `${name}-${i}`, content: `${name} ${i}` })));
  }
  const remoteHead = (await source.commit('remote'))!;
  await source.addRemote('origin', url);
  await source.push('origin');

  const chroma = await openEmbeddedChroma(t, 'clone-resume-target');
  const store = await DoltLiteStore.open({ path: join(dir, 'target.doltlite') });
  t.teardown(() => store.close());
  const statePath = join(dir, 'target.json');
  await t.throwsAsync(Repository.clone({ chroma, store, url, statePath, sync: new FailAfterFirstWrite(chroma, store) }), {
    message: 'interrupted after the first write',
  });
  const filled = await Promise.all(['first', 'second'].map(async (name) => Object.keys(await chromaContents(chroma, name).catch(() => ({}))).length));
  t.true(filled.includes(0) || filled.includes(5), 'Chroma was left part way');

  // Another remote is not this clone: refused as before, nothing changed.
  await t.throwsAsync(Repository.clone({ chroma, store, url: `file://${join(dir, 'other.doltlite')}`, statePath }), { code: 'ERR_CLONE_TARGET_NOT_EMPTY' });

  const repo = await Repository.clone({ chroma, store, url, statePath });
  t.deepEqual(await repo.head(), { branch: 'main', commit: remoteHead });
  for (const name of ['first', 'second']) {
    t.deepEqual(await chromaContents(chroma, name), Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`${name}-${i}`, `${name} ${i}`])));
  }
  t.true((await repo.status()).clean);
});
