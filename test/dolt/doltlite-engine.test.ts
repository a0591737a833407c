// The store's engines: native libdoltlite in a Python process (the default here, where setup provisioned it) and
// the WebAssembly build. They share the file format, so a store written by one opens in the other; a missing
// engine is a typed error; the native engine's process dying at any point loses at most the commit in flight.
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SessionCrashedError } from '../../lib/errors.js';
import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { StoreArgumentError, StoreConnectionError } from '../../lib/dolt/errors.js';
import { StoreEngineUnavailableError } from '../../lib/dolt/engine/sql-engine.js';
import { PathNotUsableError } from '../../lib/path-lock.js';
import { startWithTestOps } from '../helpers/doltlite-test-ops.js';
import { isRunning, tempDir } from '../helpers/temp-dir.js';
import { doc } from './contract.js';

test('doltlite engine: the default is native where Python with doltlite is provisioned; it runs in its own process', async (t) => {
  const store = await DoltLiteStore.open({ path: join(tempDir(t, 'default'), 'store.doltlite') });
  t.teardown(() => store.close());
  const engine = await store.engine();
  t.is(engine.kind, 'native');
  t.not(engine.pid, process.pid);
  t.true(isRunning(engine.pid!));
  // The host imports doltlite, never chromadb: its SQLite is libdoltlite's, and nothing else shares it.
  const maps = readFileSync(`/proc/${engine.pid}/maps`, 'utf8');
  t.true(maps.includes('libdoltlite'));
  t.false(maps.includes('chromadb'));
});

test('doltlite engine: a store written by the WebAssembly engine opens natively with rows, history and branches, and back', async (t) => {
  const path = join(tempDir(t, 'formats'), 'store.doltlite');
  const wasm = await DoltLiteStore.open({ path, engine: 'wasm' });
  t.is((await wasm.engine()).kind, 'wasm');
  await wasm.commitChanges({ collection: 'c', upserts: [doc('a', 'A'), doc('b', 'B')], deletes: [], message: 'by wasm' });
  await wasm.createBranch('side');
  await wasm.close();

  const native = await DoltLiteStore.open({ path, engine: 'native' });
  t.is((await native.engine()).kind, 'native');
  t.deepEqual([...(await native.documentHashes('c')).keys()].sort(), ['a', 'b']);
  t.deepEqual(await native.branches(), ['main', 'side']);
  t.is((await native.log(1))[0]!.message, 'by wasm');
  await native.commitChanges({ collection: 'c', upserts: [doc('c', 'C')], deletes: ['a'], message: 'by native' });
  await native.close();

  const back = await DoltLiteStore.open({ path, engine: 'wasm' });
  t.teardown(() => back.close());
  t.deepEqual([...(await back.documentHashes('c')).keys()].sort(), ['b', 'c']);
  t.deepEqual((await back.log(2)).map((c) => c.message), ['by native', 'by wasm']);
});

test('doltlite engine: native without a usable Python is a typed error naming the fix; auto falls back to wasm', async (t) => {
  const path = join(tempDir(t, 'no-python'), 'store.doltlite');
  const missing = '/nonexistent/python3';
  const error = await t.throwsAsync(DoltLiteStore.open({ path, engine: 'native', python: missing }), {
    instanceOf: StoreEngineUnavailableError,
  });
  t.is(error.code, 'ERR_STORE_ENGINE_UNAVAILABLE');
  t.true(error.message.includes('setup-python'));
  // The failed open released the path: the next opener gets it.
  const store = await DoltLiteStore.open({ path, python: missing });
  t.teardown(() => store.close());
  t.is((await store.engine()).kind, 'wasm');
  await store.commitChanges({ collection: 'c', upserts: [doc('a', 'A')], deletes: [], message: 'fallback' });
  t.is((await store.log(1))[0]!.message, 'fallback');
});

test('doltlite engine: a Python without doltlite is refused the same way (it never runs the store on plain SQLite)', async (t) => {
  const path = join(tempDir(t, 'plain-python'), 'store.doltlite');
  const error = await t.throwsAsync(DoltLiteStore.open({ path, engine: 'native', python: 'python3' }), {
    instanceOf: StoreEngineUnavailableError,
  });
  t.true(error.message.includes('doltlite'));
});

test('doltlite engine: a bad engine or python option is a TypeError at once', async (t) => {
  await t.throwsAsync(DoltLiteStore.open({ engine: 'fast' as never }), { instanceOf: TypeError });
  await t.throwsAsync(DoltLiteStore.open({ python: 42 as never }), { instanceOf: TypeError });
  await t.throwsAsync(DoltLiteStore.open({ python: '' }), { instanceOf: TypeError });
});

test('doltlite engine: a folder that cannot be created fails at once with PathNotUsableError', async (t) => {
  const error = await t.throwsAsync(DoltLiteStore.open({ path: '/proc/nope/x' }), { instanceOf: PathNotUsableError });
  t.is(error.code, 'ERR_PATH_NOT_USABLE');
  t.is(error.reason, 'ENOENT');
  // A regular file where a folder should be.
  const file = join(tempDir(t, 'notdir'), 'file');
  writeFileSync(file, 'x');
  const notDir = await t.throwsAsync(DoltLiteStore.open({ path: join(file, 'sub', 'store.doltlite') }), { instanceOf: PathNotUsableError });
  t.is(notDir.reason, 'ENOTDIR');
  t.is(readFileSync(file, 'utf8'), 'x');
});

test('doltlite engine: the engine process killed while idle: the owner restarts, reopens, nothing is lost', async (t) => {
  const path = join(tempDir(t, 'host-killed'), 'store.doltlite');
  const store = await DoltLiteStore.open({ path });
  t.teardown(() => store.close());
  const kept = await store.commitChanges({ collection: 'c', upserts: [doc('a', 'A')], deletes: [], message: 'kept' });
  const { pid } = await store.engine();
  const restarted = new Promise((resolve) => store.executor.once('restarted', resolve));
  process.kill(pid!, 'SIGKILL');
  await restarted;
  const after = await store.engine();
  t.not(after.pid, pid);
  t.is(await store.head(), kept);
  await store.commitChanges({ collection: 'c', upserts: [doc('b', 'B')], deletes: [], message: 'after' });
  t.deepEqual([...(await store.documentHashes('c')).keys()].sort(), ['a', 'b']);
});

/** Kill rounds: a few here; `npm run stress` runs many more (STORE_FAULT_ROUNDS). */
const ROUNDS = Number(process.env.STORE_FAULT_ROUNDS ?? 8);

test(`doltlite engine: the engine process SIGKILLed at random points of commits, ${ROUNDS} rounds: at most the commit in flight is lost`, async (t) => {
  const path = join(tempDir(t, 'host-kill-commit'), 'store.doltlite');
  const store = await startWithTestOps(t, path, { hardDeadlineMs: 30_000 });
  let head = (await store.call('commitChanges', { collection: 'c', upserts: [doc('base', 'b')], deletes: [], message: 'base' }))!;
  let expected = new Set(['base']);
  let lost = 0;
  for (let round = 0; round < ROUNDS; round++) {
    await store.call('killEngineDuringNextCommit', Math.random() * 4);
    const id = `r${round}`;
    const outcome = await store
      .call('commitChanges', { collection: 'c', upserts: [doc(id, `round ${round}`)], deletes: [], message: id })
      .then(
        (hash) => ({ hash }),
        (error: unknown) => ({ error }),
      );
    t.true('error' in outcome && outcome.error instanceof SessionCrashedError, `round ${round}: the engine process was killed`);
    const log = await store.call('log', 1000);
    const now = log[0]!.hash;
    if (now === head) {
      lost++;
    } else {
      t.is(log[1]!.hash, head, `round ${round}: the new head follows the previous one`);
      t.is(log[0]!.message, id);
      expected = new Set([...expected, id]);
      head = now;
    }
    t.deepEqual(await store.call('status', undefined), [], `round ${round}: nothing uncommitted`);
    t.deepEqual([...new Map<string, string>(JSON.parse(await store.call('documentHashes', { collection: 'c' }))).keys()].sort(), [...expected].sort(), `round ${round}: documents match the head`);
  }
  t.log(`${lost} of ${ROUNDS} commits were lost in flight`);
});

test('doltlite engine: the engine process killed in the middle of a streamed commit: it rejects typed, nothing of it lands, the store goes on', async (t) => {
  const path = join(tempDir(t, 'host-kill-stream'), 'store.doltlite');
  const store = await DoltLiteStore.open({ path, executor: { timeoutMs: 60_000 } });
  t.teardown(() => store.close());
  const kept = await store.commitChanges({ collection: 'c', upserts: [doc('a', 'A')], deletes: [], message: 'kept' });
  const { pid } = await store.engine();
  const restarted = new Promise((resolve) => store.executor.once('restarted', resolve));
  async function* source() {
    yield { upserts: Array.from({ length: 50 }, (_, i) => doc(`first-${i}`, `first ${i}`)) };
    // The first part is in the engine's open transaction: the engine dies now.
    process.kill(pid!, 'SIGKILL');
    await restarted;
    yield { upserts: [doc('second', 'second')], deletes: ['a'] };
  }
  // The engine went away, the caller passed nothing wrong: a connection error, never an argument error.
  const error = await t.throwsAsync(store.commitStream({ collection: 'c', message: 'lost', batches: source() }), { instanceOf: StoreConnectionError });
  t.is(error?.code, 'ERR_STORE_CONNECTION');
  t.false(error instanceof StoreArgumentError);
  t.not((await store.engine()).pid, pid);
  t.is(await store.head(), kept, 'history unchanged');
  t.deepEqual(await store.status(), []);
  t.deepEqual([...(await store.documentHashes('c')).keys()], ['a']);
  await store.commitStream({ collection: 'c', message: 'after', batches: [{ upserts: [doc('b', 'B')] }] });
  t.deepEqual([...(await store.documentHashes('c')).keys()].sort(), ['a', 'b']);
});
