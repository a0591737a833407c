import { Chroma } from '../../lib/chroma/chroma.js';
import { tempDir } from '../helpers/temp-dir.js';
import { repositoryScenarios } from './scenario.js';

repositoryScenarios('DoltLite + embedded Chroma', async (t) => {
  const chroma = await Chroma.embedded({ path: tempDir(t, 'repo-chroma') });
  t.teardown(() => chroma.close());
  return chroma;
});
