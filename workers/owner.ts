/**
 * The owner runtime: the only code that ever touches the session. It runs in a dedicated worker thread,
 * imports the session definition, opens it, and runs the items the main thread sends in FIFO order,
 * at most `concurrency` at a time (1 by default: the GIL rule).
 *
 * Results are collected and sent back as one message per turn of the event loop, mirroring the main side,
 * because a message per result costs several times more than the result itself (see FACTS.md).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import {
  ProgressSlot,
  ResultStatus,
  serializeError,
  type GroupOutcome,
  type MainToOwner,
  type OwnerToMain,
  type OwnerWorkerData,
  type ResultBatch,
  type RunBatch,
  RESULT_STRIDE,
  RUN_STRIDE,
} from '../lib/protocol.js';
import type { OwnerContext, SessionDefinition } from '../lib/session.js';

const port = parentPort!;
const data = workerData as OwnerWorkerData;
const counters = new Int32Array(data.progress, 0, 2);
const clock = new Float64Array(data.progress, 8, 1);
const concurrency = Math.max(1, data.concurrency);

const definition = ((await import(data.sessionModule)) as { default: SessionDefinition }).default;

const context: OwnerContext = {
  registerChildProcess: (pid) => post({ type: 'child-process', pid }),
  unregisterChildProcess: (pid) => post({ type: 'child-process', pid: -pid }),
};

let state: unknown;
let opened = false;
/** FIFO of items not started yet, flat like the messages (see RunBatch); `head` avoids O(n) shifts. */
let queue: RunBatch = [];
let head = 0;
let running = 0;
/** A group is running: nothing else may start until it ends. */
let exclusive = false;
const cancelled = new Set<number>();
/**
 * Items start in increasing id order (the main thread sends them so), so a cancel for an id at or below this one
 * is for an item already started: keeping it would only leak an entry in `cancelled`.
 */
let lastStartedId = -1;
let results: ResultBatch = [];
/** Op names parallel to `results`, only to name the op if its result cannot be cloned. */
let resultOps: string[] = [];
let flushScheduled = false;
let closing = false;

port.on('message', (message: MainToOwner) => {
  if (Array.isArray(message)) {
    if (queue.length === 0) queue = message;
    else for (const value of message) queue.push(value);
    pump();
    flush();
    return;
  }
  switch (message.type) {
    case 'open':
      void open(message.options);
      break;
    case 'cancel':
      for (const id of message.ids) if (id > lastStartedId) cancelled.add(id);
      break;
    case 'close':
      closing = true;
      void closeSession();
      break;
  }
});

async function open(options: unknown): Promise<void> {
  try {
    state = await definition.open(options, context);
    opened = true;
    post({ type: 'opened' });
  } catch (error) {
    post({ type: 'open-failed', error: serializeError(error) });
  }
}

async function closeSession(): Promise<void> {
  let error;
  try {
    if (opened && definition.close) await definition.close(state, context);
  } catch (thrown) {
    error = serializeError(thrown);
  }
  opened = false;
  flush();
  post({ type: 'closed', error });
}

/** Starts queued items while there is capacity. */
function pump(): void {
  while (head < queue.length && running < concurrency && !exclusive && !closing) {
    const op = queue[head + 1] as string | null;
    if (op === null && running > 0) break; // a group waits until the session is otherwise idle
    const id = queue[head] as number;
    const arg = queue[head + 2];
    queue[head + 2] = undefined; // do not keep a large argument alive until the whole batch is done
    head += RUN_STRIDE;
    start(id, op, arg);
  }
  if (head === queue.length) {
    queue = [];
    head = 0;
  }
}

/** Returns the performance.now() reading it took, so the run time costs no second clock read. */
function markStarted(): number {
  Atomics.add(counters, ProgressSlot.Started, 1);
  const now = performance.now();
  // Wall-clock ms, comparable with the main thread's Date.now(). Only starts move it: the main side reads
  // "started > finished and the last start is old" as one operation running too long.
  clock[0] = performance.timeOrigin + now;
  return now;
}

function start(id: number, op: string | null, arg: unknown): void {
  const t0 = markStarted();
  lastStartedId = id;
  if (cancelled.size > 0 && cancelled.delete(id)) {
    finish(id, '', ResultStatus.Skipped, undefined, 0);
    return;
  }
  if (op === null) {
    exclusive = true;
    running++;
    void runGroup(arg as Array<[string, unknown]>).then((outcomes) => {
      exclusive = false;
      running--;
      finish(id, '(group)', ResultStatus.Ok, outcomes, t0);
      afterAsync();
    });
    return;
  }
  let value: unknown;
  try {
    value = invoke(op, arg);
  } catch (error) {
    finish(id, op, ResultStatus.Error, serializeError(error), t0);
    return;
  }
  if (isThenable(value)) {
    running++;
    value.then(
      (resolved) => {
        running--;
        finish(id, op, ResultStatus.Ok, resolved, t0);
        afterAsync();
      },
      (error: unknown) => {
        running--;
        finish(id, op, ResultStatus.Error, serializeError(error), t0);
        afterAsync();
      },
    );
    return;
  }
  finish(id, op, ResultStatus.Ok, value, t0);
}

function invoke(op: string, arg: unknown): unknown {
  const fn = Object.hasOwn(definition.ops, op) ? definition.ops[op] : undefined;
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`the session has no operation "${op}"`), { code: 'ERR_SESSION_UNKNOWN_OP' });
  }
  return fn(state, arg, context);
}

async function runGroup(ops: Array<[string, unknown]>): Promise<GroupOutcome[]> {
  const outcomes: GroupOutcome[] = [];
  for (const [op, arg] of ops) {
    try {
      const value = invoke(op, arg);
      outcomes.push({ ok: true, value: isThenable(value) ? await value : value });
    } catch (error) {
      outcomes.push({ ok: false, error: serializeError(error) });
    }
  }
  return outcomes;
}

function finish(id: number, op: string, status: ResultStatus, value: unknown, t0: number): void {
  Atomics.add(counters, ProgressSlot.Finished, 1);
  const runMicros = t0 === 0 ? 0 : Math.round((performance.now() - t0) * 1000);
  results.push(id, status, value, runMicros);
  resultOps.push(op);
}

/**
 * After an async completion: start what can start, then send results. When nothing else is running, no other
 * result can join this one soon, so it goes at once; otherwise results are sent once per event-loop turn.
 */
function afterAsync(): void {
  pump();
  if (running === 0) {
    flush();
    return;
  }
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

function flush(): void {
  flushScheduled = false;
  if (results.length === 0) return;
  const batch = results;
  const ops = resultOps;
  results = [];
  resultOps = [];
  try {
    port.postMessage(batch);
  } catch {
    // Some result cannot be cloned. Find it by sending one by one, so every other result still arrives.
    for (let i = 0; i < batch.length; i += RESULT_STRIDE) {
      const one = batch.slice(i, i + RESULT_STRIDE);
      try {
        port.postMessage(one);
      } catch (error) {
        const failure = Object.assign(new Error(`the result of "${ops[i / RESULT_STRIDE]}" cannot be sent between threads`), {
          code: 'ERR_SESSION_SERIALIZATION',
          cause: error,
        });
        port.postMessage([one[0], ResultStatus.Error, serializeError(failure), one[3]]);
      }
    }
  }
}

function post(message: OwnerToMain): void {
  port.postMessage(message);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}
