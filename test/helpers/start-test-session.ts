import { SessionExecutor } from '../../lib/executor/session-executor.js';
import type { ExecutorOptions } from '../../lib/executor/options.js';
import { sessionSpec } from '../../lib/session.js';
import type TestSession from '../fixtures/test-session.js';

export const testSessionUrl = new URL('../fixtures/test-session.js', import.meta.url);

export function startTestSession(
  options: ExecutorOptions = {},
  open: { tag?: string; failOpen?: boolean; control?: SharedArrayBuffer } = {},
) {
  return SessionExecutor.start(
    sessionSpec<typeof TestSession>(testSessionUrl, { tag: open.tag ?? 'test', failOpen: open.failOpen, control: open.control }),
    options,
  );
}

/** Resolves with the first emission of `event`; the test's own timeout catches a hang. */
export function nextEvent<T>(emitter: { once(event: string, listener: (value: T) => void): unknown }, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, resolve));
}
