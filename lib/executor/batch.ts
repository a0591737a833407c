/**
 * `batch()`: several operations run back to back in the owner, with one outcome per operation whatever the
 * others did. Failures that can be found on the main side never reach the owner: an unknown op name, and (found
 * only if the batch as a whole cannot be sent) an argument that cannot be cloned.
 */
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
  if (!Array.isArray(ops)) throw new TypeError('batch() takes an array of { op, arg }');
  const outcomes: Array<BatchOutcome | undefined> = new Array(ops.length);
  let sendable: number[] = [];
  ops.forEach((item, i) => {
    if (typeof item === 'object' && item !== null && host.knows(item.op)) {
      sendable.push(i);
      return;
    }
    host.countUnknown();
    outcomes[i] = { ok: false, error: unknownOpError(item?.op) };
  });
  let results: GroupOutcome[] | undefined;
  while (sendable.length > 0 && !results) {
    try {
      results = await host.submitGroup(encodeGroup(sendable.map((i) => ops[i]!)), options);
    } catch (error) {
      if (!(error instanceof SerializationError) || error.direction !== 'argument') throw error;
      const cloneable = sendable.filter((i) => isCloneable(ops[i]!.arg));
      if (cloneable.length === sendable.length) throw error; // not an argument's fault after all
      for (const i of sendable) {
        if (!cloneable.includes(i)) outcomes[i] = { ok: false, error: uncloneableArgument(ops[i]!.op, error.cause) };
      }
      sendable = cloneable;
    }
  }
  results?.forEach((outcome, n) => {
    outcomes[sendable[n]!] = outcome.ok ? { ok: true, value: outcome.value } : { ok: false, error: deserializeError(outcome.error) };
  });
  return outcomes as BatchOutcome[];
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
