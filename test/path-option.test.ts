import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Chroma } from '../lib/chroma/chroma.js';
import { DoltLiteStore } from '../lib/dolt/doltlite-store.js';
import { PathNotUsableError } from '../lib/path-lock.js';
import { tempDir } from './helpers/temp-dir.js';

// Each must fail at once, before an owner thread or the Python child starts (a generous bound catches a late failure).
const AT_ONCE_MS = 2_000;

test('Chroma.embedded: a missing, empty or non-string path is a TypeError naming path, at once, creating nothing', async (t) => {
  const cases: Array<[unknown, string]> = [[{}, 'ERR_INVALID_ARG_TYPE'], [{ path: 42 }, 'ERR_INVALID_ARG_TYPE'], [{ path: '' }, 'ERR_INVALID_ARG_VALUE'], [{ path: null }, 'ERR_INVALID_ARG_TYPE'], [undefined, 'ERR_INVALID_ARG_TYPE']];
  for (const [options, code] of cases) {
    const started = Date.now();
    const error = await t.throwsAsync(Chroma.embedded(options as never), { instanceOf: TypeError, message: /option 'path'/ });
    t.is((error as { code?: string }).code, code, JSON.stringify(options));
    t.true(Date.now() - started < AT_ONCE_MS, `failed in ${Date.now() - started} ms`);
  }
  t.false(existsSync('42'), 'no folder named after the number');
});

test('DoltLiteStore.open: an empty or non-string path is a TypeError naming path; no path at all is an in-memory store', async (t) => {
  for (const path of ['', '   ', 42, null, {}]) {
    await t.throwsAsync(DoltLiteStore.open({ path } as never), { instanceOf: TypeError, message: /option 'path'/ });
  }
  const inMemory = await DoltLiteStore.open({});
  t.teardown(() => inMemory.close());
  t.deepEqual(await inMemory.log(1).then((commits) => commits.length), 1);
});

test('a path in a folder that takes no new files, or a file given as the Chroma directory: PathNotUsableError at once', async (t) => {
  const file = join(tempDir(t, 'not-a-folder'), 'file');
  writeFileSync(file, 'mine');
  const cases: Array<[() => Promise<{ close(): Promise<void> }>, string]> = [
    [() => Chroma.embedded({ path: '/proc/session-executor-probe' }), 'ENOENT'],
    [() => DoltLiteStore.open({ path: '/proc/session-executor-probe' }), 'ENOENT'],
    [() => Chroma.embedded({ path: file }), 'ENOTDIR'],
    [() => Chroma.embedded({ path: '/dev/null' }), 'ENOTDIR'],
  ];
  for (const [open, reason] of cases) {
    const started = Date.now();
    const error = await t.throwsAsync(open().then((opened) => opened.close()), { instanceOf: PathNotUsableError });
    t.is((error as PathNotUsableError).code, 'ERR_PATH_NOT_USABLE');
    t.is((error as PathNotUsableError).reason, reason);
    t.true(Date.now() - started < AT_ONCE_MS, `failed in ${Date.now() - started} ms`);
  }
  t.is(readFileSync(file, 'utf8'), 'mine', 'the file is left as it was');
});

test('Chroma options: a misspelt key, or a remote host, port, ssl or timeout of the wrong kind, is a TypeError naming it, at once', async (t) => {
  const cases: Array<[() => Promise<{ close(): Promise<void> }>, RegExp]> = [
    [() => Chroma.embedded({ path: join(tempDir(t, 'typo'), 'c'), pyton: 'x' } as never), /unknown option "pyton"; accepted: path, python/],
    [() => Chroma.embedded({ path: join(tempDir(t, 'close'), 'c'), closeTimeoutMs: 0 }), /option 'closeTimeoutMs' must be a number > 0 or Infinity, got 0/],
    [() => Chroma.embedded({ path: join(tempDir(t, 'close'), 'c'), closeTimeoutMs: NaN }), /option 'closeTimeoutMs'/],
    [() => Chroma.embedded({ path: join(tempDir(t, 'py'), 'c'), python: 5 } as never), /option 'python' must be the path of an interpreter, got 5/],
    [() => Chroma.embedded({ path: join(tempDir(t, 'dl'), 'c'), allowModelDownload: 'no' } as never), /option 'allowModelDownload' must be a boolean/],
    [() => Chroma.remote({ hots: '127.0.0.1' } as never), /unknown option "hots"/],
    [() => Chroma.remote('http://x' as never), /options must be an object/],
    [() => Chroma.remote({ port: 'abc' } as never), /option 'port' must be a whole number from 1 to 65535, got string/],
    [() => Chroma.remote({ port: 70_000 }), /option 'port' must be a whole number from 1 to 65535, got 70000/],
    [() => Chroma.remote({ port: -1 }), /option 'port'/],
    [() => Chroma.remote({ host: '' }), /option 'host' must be a non-empty string/],
    [() => Chroma.remote({ ssl: 'yes' } as never), /option 'ssl' must be a boolean/],
    [() => Chroma.remote({ requestTimeoutMs: 0 }), /option 'requestTimeoutMs' must be a number > 0 or Infinity/],
    [() => Chroma.remote({ headers: { token: 1 } } as never), /option 'headers' must be an object of strings/],
  ];
  for (const [open, message] of cases) {
    const started = Date.now();
    await t.throwsAsync(open().then((opened) => opened.close()), { instanceOf: TypeError, message });
    t.true(Date.now() - started < AT_ONCE_MS, `failed in ${Date.now() - started} ms`);
  }
});
