import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { syncGuarantees } from './guarantees.js';
import { syncLevels } from './levels.js';
import { syncMetadata } from './metadata.js';
import { syncOddCollections } from './odd-collections.js';
import { syncScenarios } from './scenario.js';
import { stageStreamScenarios } from './stage-stream.js';

syncScenarios('chroma+doltlite', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  return store;
});

syncGuarantees('chroma+doltlite', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  return store;
});

syncLevels('chroma+doltlite', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  return store;
});

syncMetadata('chroma+doltlite', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  return store;
});

syncOddCollections('chroma+doltlite', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  return store;
});

stageStreamScenarios('chroma+doltlite', async (t) => {
  const store = await DoltLiteStore.open();
  t.teardown(() => store.close());
  return store;
});
