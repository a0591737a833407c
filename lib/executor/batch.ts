/**
 * `batch()`: several operations run back to back in the owner, with one outcome per operation whatever the
 * others did. Failures that can be found on the main side never reach the owner: an unknown op name, and (found
 * only if the batch as a whole cannot be sent) an argument that cannot be cloned.
 */
import { argError, describeValue } from '../check-args.js';
import { RemoteError, SerializationError, UnknownOpError } from '../errors.js';
import { deserializeError, encodeGroup, isCloneable, type GroupArg, type GroupOutcome } from '../protocol.js';
import type { CallOptions } from './options.js';

/** One operation of a batch, and what became of it. */
export type BatchOutcome = { ok: true; value: unknown } | { ok: false; error: RemoteError };

export interface BatchHost {
  knows(op: string): boolean;
  countUnknown(): void;
  submitGroup(group: GroupArg, options: CallOptions | undefined): Promise<GroupOutcome[]>;
}

/**
 * Sends the known ops as one group. If the group cannot be sent because some argument cannot be cloned, those
 * ops get an error outcome and the rest is sent again (with a fresh deadline); this costs nothing unless a send
 * actually failed.
 */
export async function runBatch(
  ops: ReadonlyArray<{ op: string; arg: unknown }>,
  options: CallOptions | undefined,
  host: BatchHost,
): Promise<BatchOutcome[]> {
  if (!Array.isArray(ops)) {
    throw argError(`batch: ops must be an array of { op, arg }, got ${describeValue(ops)}`, 'ERR_INVALID_ARG_TYPE');
  }
  const outcomes: Array<BatchOutcome | undefined> = new Array(ops.length);
  // Each item is read once, here: a getter or a Proxy could answer differently (or throw) when read again.
  const items: Array<{ op: string; arg: unknown }> = new Array(ops.length);
  let sendable: number[] = [];
  for (let i = 0; i < ops.length; i++) {
    const item = readItem(ops, i);
    if (item instanceof RemoteError) {
      host.countUnknown();
      outcomes[i] = { ok: false, error: item };
    } else if (host.knows(item.op)) {
      items[i] = item;
      sendable.push(i);
    } else {
      host.countUnknown();
      outcomes[i] = { ok: false, error: unknownOpError(item.op) };
    }
  }
  let results: GroupOutcome[] | undefined;
  while (sendable.length > 0 && !results) {
    try {
      results = await host.submitGroup(encodeGroup(sendable.map((i) => items[i]!)), options);
    } catch (error) {
      if (!(error instanceof SerializationError) || error.direction !== 'argument') throw error;
      const cloneable = sendable.filter((i) => isCloneable(items[i]!.arg));
      if (cloneable.length === sendable.length) throw error; // not an argument's fault after all
      for (const i of sendable) {
        if (!cloneable.includes(i)) outcomes[i] = { ok: false, error: uncloneableArgument(items[i]!.op, error.cause) };
      }
      sendable = cloneable;
    }
  }
  results?.forEach((outcome, n) => {
    outcomes[sendable[n]!] = outcome.ok ? { ok: true, value: outcome.value } : { ok: false, error: deserializeError(outcome.error) };
  });
  return outcomes as BatchOutcome[];
}

/**
 * Item `i` as `{ op, arg }`, or the outcome that item gets: a hole, a non-object or an item whose properties
 * throw when read fails alone (`ERR_INVALID_ARG_VALUE`), as an unknown op name does.
 */
function readItem(ops: ReadonlyArray<unknown>, i: number): { op: string; arg: unknown } | RemoteError {
  const item = ops[i];
  if (typeof item === 'object' && item !== null) {
    try {
      const { op, arg } = item as { op: unknown; arg: unknown };
      if (typeof op === 'string') return { op, arg };
      return unknownOpError(op);
    } catch {
      return badItem(`batch: item ${i} could not be read`);
    }
  }
  return badItem(`batch: item ${i} must be an object { op, arg }, got ${item === undefined ? 'nothing' : describeValue(item)}`);
}

function badItem(message: string): RemoteError {
  return new RemoteError({ name: 'TypeError', message, code: 'ERR_INVALID_ARG_VALUE' });
}

function uncloneableArgument(op: string, cause: unknown): RemoteError {
  return new RemoteError(
    { name: 'SerializationError', message: `the argument of "${op}" cannot be sent between threads`, code: 'ERR_SESSION_SERIALIZATION' },
    { cause },
  );
}

/** The main side rejects names the session does not define before the call allocates anything. */
export function unknownOpError(op: unknown): UnknownOpError {
  const name = typeof op === 'string' ? op : typeof op;
  const shown = name.length > 100 ? `${name.slice(0, 100)}...` : name;
  return new UnknownOpError({
    name: 'UnknownOpError',
    message: `the session has no operation "${shown}"`,
    code: 'ERR_SESSION_UNKNOWN_OP',
  });
}
