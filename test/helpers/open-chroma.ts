import type { ExecutionContext } from 'ava';
import { Chroma } from '../../lib/chroma/chroma.js';
import { tempDir } from './temp-dir.js';

/**
 * Opens the Chroma a shared suite runs against (closed by the test's teardown): embedded by default; a remote
 * suite passes its own, so the same assertions hold for both kinds of session.
 */
export type OpenChroma = (t: ExecutionContext, label: string, options?: { restartBackoffMs?: number }) => Promise<Chroma>;

export const openEmbeddedChroma: OpenChroma = async (t, label, options = {}) => {
  const chroma = await Chroma.embedded({ path: tempDir(t, label), executor: options });
  t.teardown(() => chroma.close());
  return chroma;
};
