import type { ExecutionContext } from 'ava';
import { resolve } from 'node:path';
import type { ExecutorOptions } from '../../lib/executor/options.js';
import { SessionExecutor } from '../../lib/executor/session-executor.js';
import { sessionSpec } from '../../lib/session.js';
import type { DoltLiteEngineKind } from '../../lib/dolt/engine/sql-engine.js';
import type DoltLiteTestSession from '../fixtures/doltlite-test-session.js';

/**
 * The DoltLite session with the test-only operations (raw SQL, hang, crash or disk failure mid-commit), in an
 * executor of its own (no store object, so no path lock). It counts owner opens as the store does, so a
 * restarted owner repairs a commit its predecessor tore.
 */
export async function startWithTestOps(t: ExecutionContext, path?: string, executor?: ExecutorOptions, engine?: DoltLiteEngineKind) {
  const url = new URL('../fixtures/doltlite-test-session.js', import.meta.url);
  const options = { path: path === undefined ? undefined : resolve(path), opens: new SharedArrayBuffer(4), engine };
  const session = await SessionExecutor.start(sessionSpec<typeof DoltLiteTestSession>(url, options), executor);
  t.teardown(() => session.close());
  return session;
}
