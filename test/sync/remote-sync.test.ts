/**
 * The sync suites against remote Chroma (a `chroma run` server on loopback, each test in its own database):
 * there, page summaries are made on the session's owner thread rather than in the Python host, and every
 * guarantee, level and odd collection must hold the same way.
 */
import { Chroma } from '../../lib/chroma/chroma.js';
import type { OpenChroma } from '../helpers/open-chroma.js';
import { openMemoryDoltLite as openStore } from '../helpers/open-doltlite-store.js';
import { sharedChromaServer } from '../helpers/shared-chroma-server.js';
import { syncGuarantees } from './guarantees.js';
import { syncLevels } from './levels.js';
import { syncMetadata } from './metadata.js';
import { syncOddCollections } from './odd-collections.js';
import { syncScenarios } from './scenario.js';
import { stageStreamScenarios } from './stage-stream.js';

const shared = sharedChromaServer('sync-chroma');

const openRemoteChroma: OpenChroma = async (t, _label, options = {}) => {
  const { host, port } = shared.server();
  const chroma = await Chroma.remote({ host, port, database: await shared.freshDatabase(), executor: options });
  t.teardown(() => chroma.close());
  return chroma;
};

syncScenarios('remote chroma+doltlite', openStore, openRemoteChroma);
syncGuarantees('remote chroma+doltlite', openStore, openRemoteChroma, { pythonHost: false });
syncLevels('remote chroma+doltlite', openStore, openRemoteChroma);
syncOddCollections('remote chroma+doltlite', openStore, openRemoteChroma);
syncMetadata('remote chroma+doltlite', openStore, openRemoteChroma);
stageStreamScenarios('remote chroma+doltlite', openStore, openRemoteChroma);
