/**
 * A SIGKILL in the middle of refreshing Chroma (during a checkout, during a merge) leaves Chroma a mix of two
 * commits; the next open must finish the refresh, so that Chroma holds the target exactly and nothing is
 * reported as a local change.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Chroma } from '../../lib/chroma/chroma.js';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { Repository } from '../../lib/repository/repository.js';
import { sharedChromaServer } from '../helpers/shared-chroma-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { chromaContents } from './scenario.js';

const child = fileURLToPath(new URL('../fixtures/repository-crash-child.js', import.meta.url));

const shared = sharedChromaServer('repo-crash');

async function runChild(database: string, dir: string, scenario: string): Promise<{ signal: string | null; output: string }> {
  const proc = spawn(process.execPath, [child, shared.server().host, String(shared.server().port), database, dir, scenario], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => proc.once('exit', (_code, signal) => resolve({ signal, output })));
}

const expected = (name: string, feature: boolean, extra: Record<string, string> = {}) => {
  const out: Record<string, string> = {};
  for (let i = 0; i < 20; i++) out[`${name}-${i}`] = `${name} ${i} on ${feature && i < 10 ? 'feature' : 'main'}`;
  return { ...out, ...extra };
};

for (const scenario of ['checkout', 'merge'] as const) {
  test(`a SIGKILL during ${scenario} leaves a journal; the next open finishes the refresh (no mix, nothing to commit)`, async (t) => {
    const dir = tempDir(t, `repo-crash-${scenario}`);
    const database = await shared.freshDatabase();
    const { signal, output } = await runChild(database, dir, scenario);
    t.is(signal, 'SIGKILL');
    t.true(output.includes('ready'));
    const journal = JSON.parse(readFileSync(join(dir, 'repository.json'), 'utf8')).journal;
    t.is(journal.operation, scenario, 'the refresh was recorded before Chroma was written');

    const chroma = await Chroma.remote({ host: shared.server().host, port: shared.server().port, database });
    t.teardown(() => chroma.close());
    // Before the reopen Chroma is a mix: one collection refreshed, the other not.
    const refreshed = [
      (await chromaContents(chroma, 'first'))['first-0'] === 'first 0 on feature',
      (await chromaContents(chroma, 'second'))['second-0'] === 'second 0 on feature',
    ];
    t.deepEqual(refreshed.sort(), [false, true]);
    const store = await DoltLiteStore.open({ path: join(dir, 'store.doltlite') });
    t.teardown(() => store.close());
    const repo = await Repository.open({ chroma, store, statePath: join(dir, 'repository.json') });
    const mainEdit: Record<string, string> = scenario === 'merge' ? { 'first-19': 'first 19 edited on main' } : {};
    t.deepEqual(await chromaContents(chroma, 'first'), expected('first', true, mainEdit));
    t.deepEqual(await chromaContents(chroma, 'second'), expected('second', true));
    t.true((await repo.status()).clean, 'nothing half-written is left to commit');
    t.is((await repo.head()).branch, scenario === 'checkout' ? 'feature' : 'main');
    if (scenario === 'merge') t.is((await repo.log(1))[0]!.message, 'merge feature');
    t.is(JSON.parse(readFileSync(join(dir, 'repository.json'), 'utf8')).journal, null);
  });
}
