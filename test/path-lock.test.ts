import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Chroma } from '../lib/chroma/chroma.js';
import { acquirePathLock, ChromaLockedError, lockFileFor, StoreLockedError } from '../lib/path-lock.js';
import { startFixture } from './helpers/child-lines.js';
import { tempDir } from './helpers/temp-dir.js';

const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

test('path lock: one holder; the second gets the typed error of its kind naming the holder; release frees it', (t) => {
  const path = join(tempDir(t, 'plock'), 'thing');
  const lock = acquirePathLock(path, 'store');
  t.false(lock.previousHolderDied);
  const store = t.throws(() => acquirePathLock(path, 'store'), { instanceOf: StoreLockedError });
  t.is(store.holderPid, process.pid);
  const chroma = t.throws(() => acquirePathLock(path, 'chroma'), { instanceOf: ChromaLockedError });
  t.is(chroma.code, 'ERR_CHROMA_LOCKED');
  lock.release();
  lock.release(); // idempotent
  acquirePathLock(path, 'chroma').release();
});

test('path lock: a lock naming a dead process, a recycled pid or holding garbage is taken over', (t) => {
  const dir = tempDir(t, 'plock-stale');
  const cases: Record<string, string> = {
    'dead pid': JSON.stringify({ pid: deadPid(), start: null, nonce: 'x' }),
    'this pid, other start time': JSON.stringify({ pid: process.pid, start: '1', nonce: 'x' }),
    garbage: 'not a lock record',
    empty: '',
  };
  for (const [name, content] of Object.entries(cases)) {
    const path = join(dir, name.replaceAll(' ', '-'));
    writeFileSync(lockFileFor(path), content);
    const lock = acquirePathLock(path, 'store');
    t.true(lock.previousHolderDied, name);
    t.is(JSON.parse(readFileSync(lock.lockFile, 'utf8')).pid, process.pid, name);
    lock.release();
  }
  t.deepEqual(readdirSync(dir), [], 'no temporary or breaker files left');
});

test('path lock: processes racing for a free path and for a stale one: exactly one wins each time', async (t) => {
  const dir = tempDir(t, 'plock-race');
  for (const stale of [false, true]) {
    const path = join(dir, stale ? 'stale' : 'free');
    if (stale) writeFileSync(lockFileFor(path), JSON.stringify({ pid: deadPid(), start: null, nonce: 'x' }));
    const racers = Array.from({ length: 4 }, () => startFixture('path-lock-child', [path]));
    t.teardown(() => racers.forEach((r) => r.child.kill('SIGKILL')));
    const answers = await Promise.all(racers.map((r) => r.next<{ won: boolean; pid?: number; holderPid?: number }>()));
    const winners = answers.filter((a) => a.won);
    t.is(winners.length, 1, stale ? 'stale lock' : 'free path');
    for (const loser of answers.filter((a) => !a.won)) t.is(loser.holderPid, winners[0]!.pid);
    racers.forEach((r) => r.child.kill('SIGKILL'));
  }
});

test('path lock: a second embedded Chroma client on one directory fails at once with ChromaLockedError', async (t) => {
  const path = join(tempDir(t, 'chroma-lock'), 'chroma');
  const first = await Chroma.embedded({ path });
  const error = await t.throwsAsync(Chroma.embedded({ path }), { instanceOf: ChromaLockedError });
  t.is(error.holderPid, process.pid);
  t.is(error.path, path);
  await first.close();
  const second = await Chroma.embedded({ path });
  await second.close();
  t.pass();
});

test('path lock: a Chroma directory that is a symbolic link and its target are one path with one lock', (t) => {
  const root = tempDir(t, 'chroma-alias');
  const target = join(root, 'real');
  mkdirSync(target);
  symlinkSync(target, join(root, 'alias'));
  for (const [first, second] of [['alias', 'real'], ['real', 'alias']]) {
    const held = acquirePathLock(join(root, first!), 'chroma');
    t.throws(() => acquirePathLock(join(root, second!), 'chroma'), { instanceOf: ChromaLockedError }, `${first} then ${second}`);
    held.release();
  }
});
