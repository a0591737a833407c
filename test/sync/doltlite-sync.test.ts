import { DoltLiteStore } from '../../lib/dolt/doltlite-store.js';
import { syncGuarantees } from './guarantees.js';
import { syncScenarios } from './scenario.js';

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
