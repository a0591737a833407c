/**
 * The session-definition helpers a session module and its caller use: each refuses a wrong argument at once,
 * with a Node-style code, instead of failing later in the owner thread as a failed open.
 */
import test from 'ava';
import { defineSession, sessionSpec, transfer } from '../lib/session.js';

const typeError = { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' };

test('sessionSpec: a module that is not a URL or a path is ERR_INVALID_ARG_TYPE; an empty one ERR_INVALID_ARG_VALUE', (t) => {
  for (const module of [42, null, undefined, {}, ['./x.js']]) {
    t.throws(() => sessionSpec(module as never, {}), { ...typeError, message: /sessionSpec: module/ }, String(module));
  }
  for (const module of ['', '   ', './a\0b.js']) {
    t.throws(() => sessionSpec(module, {}), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_VALUE' }, JSON.stringify(module));
  }
  t.regex(sessionSpec('./some-session.js', {}).module, /^file:/);
});

test('transfer: a transfer list that is not an array is ERR_INVALID_ARG_TYPE', (t) => {
  for (const list of [undefined, null, 5, new ArrayBuffer(1)]) {
    t.throws(() => transfer(1, list as never), { ...typeError, message: /transferList/ });
  }
  const buffer = new ArrayBuffer(4);
  t.deepEqual(transfer(buffer, [buffer]).transferList, [buffer]);
});

test('defineSession: a definition without an open function or with non-function ops is refused where it is written', (t) => {
  const open = () => ({});
  const cases: Array<[unknown, RegExp]> = [
    [undefined, /definition must be an object/],
    [5, /definition must be an object/],
    [{ ops: {} }, /open must be a function/],
    [{ open, ops: null }, /ops must be an object/],
    [{ open, ops: [() => 1] }, /ops must be an object/],
    [{ open, ops: { get: 'not a function' } }, /ops\.get must be a function/],
    [{ open, ops: {}, close: true }, /close must be a function/],
  ];
  for (const [definition, message] of cases) {
    t.throws(() => defineSession(definition as never), { ...typeError, message }, String(message));
  }
  const good = { open, ops: { get: (state: object) => state }, close: () => undefined };
  t.is(defineSession(good), good);
});
