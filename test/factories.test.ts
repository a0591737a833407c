/**
 * Classes opened by a factory refuse `new` from JavaScript (their constructors are private only to TypeScript):
 * such an object was never opened and would fail later with a raw error, or hold nothing it claims to.
 */
import test from 'ava';
import { Chroma } from '../lib/chroma/chroma.js';
import { DoltLiteStore } from '../lib/dolt/doltlite-store.js';
import { MysqlStore } from '../lib/dolt/mysql-store.js';
import { Repository } from '../lib/repository/repository.js';
import { GuardedProcess } from '../lib/servers/guarded-server.js';

test('new on a class opened by a factory is ERR_ILLEGAL_CONSTRUCTOR naming the factory', (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [Chroma, /Chroma\.embedded\(\)/],
    [DoltLiteStore, /DoltLiteStore\.open\(\)/],
    [MysqlStore, /MysqlStore\.connect\(\)/],
    [Repository, /Repository\.open\(\)/],
    [GuardedProcess, /GuardedProcess\.start\(\)/],
  ];
  for (const [klass, factory] of cases) {
    const make = klass as new (...args: unknown[]) => unknown;
    for (const args of [[], [{}, {}, 1, Symbol('session-executor factory')]]) {
      t.throws(() => new make(...args), { instanceOf: TypeError, code: 'ERR_ILLEGAL_CONSTRUCTOR', message: factory });
    }
  }
});
