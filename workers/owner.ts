/**
 * The owner runtime: the only code that ever touches the session. It runs in a dedicated worker thread,
 * imports the session definition, opens it, and runs the items the main thread sends in FIFO order,
 * at most `concurrency` at a time (1 by default: one Python interpreter must not be re-entered).
 *
 * Results are collected and sent back as one message per turn of the event loop, mirroring the main side,
 * because a message per result costs several times more than the result itself.
 */
import { parentPort, workerData, type TransferListItem } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { AbortError, ClosedError, TimeoutError } from '../lib/errors.js';
import { Fifo } from '../lib/executor/fifo.js';
import {
  OwnerCounters,
  isCloneable,
  ResultStatus,
  pushResult,
  replaceResult,
  resultAt,
  resultCount,
  resultStatus,
  resultValue,
  runCount,
  runId,
  runOp,
  runWantsProgress,
  serializeError,
  takeRunArg,
  type CancelReason,
  type GroupArg,
  type GroupOutcome,
  type MainToOwner,
  type OwnerToMain,
  type OwnerWorkerData,
  type ResultMessage,
  type RunMessage,
} from '../lib/protocol.js';
import { transfer, unwrapTransfer, type OwnerContext, type SessionDefinition, type Transferred } from '../lib/session.js';

const port = parentPort!;
const data = workerData as OwnerWorkerData;
const counters = new OwnerCounters(data.progress);
const concurrency = Math.max(1, data.concurrency);
/** Read once: the getter is not free, and it is needed on every start. */
const timeOrigin = performance.timeOrigin;

const definition = ((await import(data.sessionModule)) as { default: SessionDefinition }).default;

const registerChildProcess = (pid: number): void => post({ type: 'child-process', pid });
const unregisterChildProcess = (pid: number): void => post({ type: 'child-process', pid: -pid });

const ignoreProgress = (): void => {};

/** The context of `open` and `close`: no caller to report to or be cancelled by. */
const sessionContext: OwnerContext = {
  registerChildProcess,
  unregisterChildProcess,
  signal: new AbortController().signal,
  progress: ignoreProgress,
};

/**
 * The context of one running operation (or one batch: its ops share it). Cheap for operations that use
 * neither feature: the AbortController is created only when `signal` is first read, and `progress` returns
 * at once unless the caller asked for reports.
 */
class OpContext implements OwnerContext {
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private boundProgress: ((value: unknown) => void) | undefined;
  done = false;

  constructor(
    readonly id: number,
    readonly op: string,
    private readonly wantsProgress: boolean,
  ) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /**
   * A getter, so `const { progress } = context` works. Without a listener it is one shared no-op, so an op
   * that reports progress costs its callers nothing unless they asked for it.
   */
  get progress(): (value: unknown) => void {
    if (!this.wantsProgress) return ignoreProgress;
    return (this.boundProgress ??= (value: unknown) => this.report(value));
  }

  private report(value: unknown): void {
    if (this.done || this.abortReason !== undefined) return;
    collect(this.id, this.op, ResultStatus.Progress, value, 0);
    scheduleFlush();
  }

  abort(reason: unknown): void {
    if (this.abortReason !== undefined || this.done) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  registerChildProcess(pid: number): void {
    registerChildProcess(pid);
  }

  unregisterChildProcess(pid: number): void {
    unregisterChildProcess(pid);
  }
}

let state: unknown;
let opened = false;
/** Run messages not fully started yet; `cursor` is the next item of the head message. */
const pending = new Fifo<RunMessage>();
let cursor = 0;
let running = 0;
/** A group is running: nothing else may start until it ends. */
let exclusive = false;
/** Ids the main side gave up on before they started: skipped when their turn comes. */
const cancelled = new Set<number>();
/**
 * Items start in increasing id order (the main thread sends them so), so a cancel for an id at or below this one
 * is for an item already started: keeping it would only leak an entry in `cancelled`.
 */
let lastStartedId = -1;
/** Async operations running now, so a cancel can reach their context. Sync ones finish before any message. */
const runningAsync = new Map<number, OpContext>();
let results: ResultMessage = [];
/** Op names parallel to `results`, only to name the op if its result cannot be cloned. */
let resultOps: string[] = [];
/** What each result in `results` transfers (see `transfer` in lib/session.ts), parallel to `resultOps`. */
let resultTransfers: Array<readonly TransferListItem[] | undefined> = [];
/** Whether any result in `results` transfers something (most messages transfer nothing). */
let transfersPending = false;
let flushScheduled = false;
let closing = false;

port.on('message', (message: MainToOwner) => {
  if (Array.isArray(message)) {
    pending.push(message);
    pump();
    flush();
    return;
  }
  switch (message.type) {
    case 'open':
      void open(message.options);
      break;
    case 'cancel':
      for (const { id, reason } of message.items) {
        if (id > lastStartedId) cancelled.add(id);
        else runningAsync.get(id)?.abort(abortReason(runningAsync.get(id)!.op, reason));
      }
      break;
    case 'close':
      closing = true;
      void closeSession();
      break;
  }
});

async function open(options: unknown): Promise<void> {
  try {
    state = await definition.open(options, sessionContext);
    opened = true;
    post({ type: 'opened', ops: Object.keys(definition.ops).filter((name) => typeof definition.ops[name] === 'function') });
  } catch (error) {
    post({ type: 'open-failed', error: serializeError(error) });
  }
}

async function closeSession(): Promise<void> {
  let error;
  try {
    if (opened && definition.close) await definition.close(state, sessionContext);
  } catch (thrown) {
    error = serializeError(thrown);
  }
  opened = false;
  flush();
  post({ type: 'closed', error });
}

/** Starts queued items while there is capacity. */
function pump(): void {
  while (running < concurrency && !exclusive && !closing) {
    const message = pending.peek();
    if (!message) return;
    const op = runOp(message, cursor);
    if (op === null && running > 0) return; // a group waits until the session is otherwise idle
    const id = runId(message, cursor);
    const wantsProgress = runWantsProgress(message, cursor);
    const arg = takeRunArg(message, cursor);
    if (++cursor === runCount(message)) {
      pending.shift();
      cursor = 0;
    }
    start(id, op, arg, wantsProgress);
  }
}

/** Returns the performance.now() reading it took, so the run time costs no second clock read. */
function markStarted(): number {
  const now = performance.now();
  // Wall-clock ms, comparable with the main thread's Date.now(). Only starts move it: the main side reads
  // "started > finished and the last start is old" as one operation running too long.
  counters.markStarted(timeOrigin + now);
  return now;
}

function start(id: number, op: string | null, arg: unknown, wantsProgress: boolean): void {
  const t0 = markStarted();
  lastStartedId = id;
  if (cancelled.size > 0 && cancelled.delete(id)) {
    finish(id, '', ResultStatus.Skipped, undefined, 0);
    return;
  }
  if (op === null) {
    const context = new OpContext(id, '(batch)', wantsProgress);
    exclusive = true;
    running++;
    runningAsync.set(id, context);
    void runGroup(arg as GroupArg, context).then((outcomes) => {
      exclusive = false;
      running--;
      runningAsync.delete(id);
      context.done = true;
      finish(id, '(batch)', ResultStatus.Ok, outcomes, t0);
      afterAsync();
    });
    return;
  }
  const context = new OpContext(id, op, wantsProgress);
  let value: unknown;
  try {
    value = invoke(op, arg, context);
  } catch (error) {
    context.done = true;
    finish(id, op, ResultStatus.Error, serializeError(error), t0);
    return;
  }
  if (isThenable(value)) {
    running++;
    runningAsync.set(id, context);
    value.then(
      (resolved) => settleAsync(context, ResultStatus.Ok, resolved, t0),
      (error: unknown) => settleAsync(context, ResultStatus.Error, serializeError(error), t0),
    );
    return;
  }
  context.done = true;
  finish(id, op, ResultStatus.Ok, value, t0);
}

function settleAsync(context: OpContext, status: ResultStatus, value: unknown, t0: number): void {
  running--;
  runningAsync.delete(context.id);
  context.done = true;
  finish(context.id, context.op, status, value, t0);
  afterAsync();
}

function invoke(op: string, arg: unknown, context: OwnerContext): unknown {
  const fn = Object.hasOwn(definition.ops, op) ? definition.ops[op] : undefined;
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`the session has no operation "${op}"`), { code: 'ERR_SESSION_UNKNOWN_OP' });
  }
  return fn(state, arg, context);
}

/** Runs a group's ops back to back; what their results transfer is transferred with the group's outcomes. */
async function runGroup(ops: GroupArg, context: OpContext): Promise<GroupOutcome[] | Transferred<GroupOutcome[]>> {
  const outcomes: GroupOutcome[] = [];
  const transfers: TransferListItem[] = [];
  for (const [op, arg] of ops) {
    try {
      const value = invoke(op, arg, context);
      const settled = isThenable(value) ? await value : value;
      const moved = unwrapTransfer(settled);
      if (moved) transfers.push(...moved.transferList);
      outcomes.push({ ok: true, value: moved ? moved.value : settled });
    } catch (error) {
      outcomes.push({ ok: false, error: serializeError(error) });
    }
  }
  return transfers.length > 0 ? transfer(outcomes, transfers) : outcomes;
}

function finish(id: number, op: string, status: ResultStatus, value: unknown, t0: number): void {
  counters.markFinished();
  collect(id, op, status, value, t0 === 0 ? 0 : Math.round((performance.now() - t0) * 1000));
}

/** Queues a result or progress report; an ok value made by `transfer` goes as its value, its buffers moved. */
function collect(id: number, op: string, status: ResultStatus, value: unknown, runMicros: number): void {
  const moved = status === ResultStatus.Ok || status === ResultStatus.Progress ? unwrapTransfer(value) : null;
  const list = moved ? movable(moved.transferList) : undefined;
  pushResult(results, id, status, moved ? moved.value : value, runMicros);
  resultOps.push(op);
  resultTransfers.push(list);
  if (list !== undefined && list.length > 0) transfersPending = true;
}

/**
 * A transfer list without empty `ArrayBuffer`s: there is nothing to move in one, and a detached one (also empty)
 * in a transfer list makes Node drop the whole message without an error, so the callers of every result in it
 * would wait until their deadlines. Left out, a detached buffer fails to clone instead: its call alone gets an error.
 */
function movable(list: readonly TransferListItem[]): readonly TransferListItem[] {
  return list.some((item) => item instanceof ArrayBuffer && item.byteLength === 0)
    ? list.filter((item) => !(item instanceof ArrayBuffer && item.byteLength === 0))
    : list;
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
  scheduleFlush();
}

function scheduleFlush(): void {
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flush);
}

function flush(): void {
  flushScheduled = false;
  if (results.length === 0) return;
  const batch = results;
  const ops = resultOps;
  const transfers = resultTransfers;
  const transferring = transfersPending;
  results = [];
  resultOps = [];
  resultTransfers = [];
  transfersPending = false;
  try {
    port.postMessage(batch, transferring ? transfers.flatMap((list) => list ?? []) : undefined);
  } catch {
    // Something cannot be cloned (or transferred). Send one by one, so every other result still arrives. A failed
    // post moves nothing: a result whose own transfer fails is sent as an error, and the others' buffers still move.
    const count = resultCount(batch);
    for (let i = 0; i < count; i++) {
      const one = resultAt(batch, i);
      try {
        port.postMessage(one, transfers[i]);
      } catch (error) {
        repairUncloneable(one, ops[i]!, error);
        port.postMessage(one);
      }
    }
  }
}

/**
 * Replaces what could not be cloned in a one-result message: a batch keeps its other outcomes (only the
 * culprits become errors), a progress report is dropped (the result still comes), a result becomes an error.
 */
function repairUncloneable(one: ResultMessage, op: string, error: unknown): void {
  const status = resultStatus(one, 0);
  if (status === ResultStatus.Progress) {
    replaceResult(one, 0, ResultStatus.ProgressDropped, undefined);
    return;
  }
  const value = resultValue(one, 0);
  if (op === '(batch)' && status === ResultStatus.Ok) {
    const outcomes = (value as GroupOutcome[]).map((outcome): GroupOutcome => {
      if (!outcome.ok || isCloneable(outcome.value)) return outcome;
      return { ok: false, error: serializeError(uncloneableResult('an operation of the batch', undefined)) };
    });
    replaceResult(one, 0, ResultStatus.Ok, outcomes);
    return;
  }
  replaceResult(one, 0, ResultStatus.Error, serializeError(uncloneableResult(`"${op}"`, error)));
}

function uncloneableResult(what: string, cause: unknown): Error {
  return Object.assign(new Error(`the result of ${what} cannot be sent between threads`), {
    code: 'ERR_SESSION_SERIALIZATION',
    cause,
  });
}

function abortReason(op: string, reason: CancelReason): Error {
  switch (reason.why) {
    case 'timeout':
      return new TimeoutError(op, 'running', reason.timeoutMs);
    case 'abort':
      return new AbortError(op, 'running', undefined);
    case 'closed':
      return new ClosedError(op, true);
  }
}

function post(message: OwnerToMain): void {
  port.postMessage(message);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value === null || typeof value !== 'object') return false;
  try {
    return typeof (value as { then?: unknown }).then === 'function';
  } catch {
    return false; // a hostile getter: treat the value as a plain result (cloning it will report what is wrong)
  }
}
