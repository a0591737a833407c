import { Chroma } from '../../lib/chroma/chroma.js';
import { sharedChromaServer } from '../helpers/shared-chroma-server.js';
import { repositoryScenarios } from './scenario.js';

const shared = sharedChromaServer('repo-chroma');

repositoryScenarios('DoltLite + remote Chroma', async (t) => {
  // Each test gets its own Chroma database on the shared server: every collection in it is the working copy.
  const { host, port } = shared.server();
  const chroma = await Chroma.remote({ host, port, database: await shared.freshDatabase() });
  t.teardown(() => chroma.close());
  return chroma;
});
