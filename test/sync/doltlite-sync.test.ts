import { openMemoryDoltLite } from '../helpers/open-doltlite-store.js';
import { syncGuarantees } from './guarantees.js';
import { syncLevels } from './levels.js';
import { syncMetadata } from './metadata.js';
import { syncOddCollections } from './odd-collections.js';
import { syncScenarios } from './scenario.js';
import { stageStreamScenarios } from './stage-stream.js';

syncScenarios('chroma+doltlite', openMemoryDoltLite);
syncGuarantees('chroma+doltlite', openMemoryDoltLite);
syncLevels('chroma+doltlite', openMemoryDoltLite);
syncMetadata('chroma+doltlite', openMemoryDoltLite);
syncOddCollections('chroma+doltlite', openMemoryDoltLite);
stageStreamScenarios('chroma+doltlite', openMemoryDoltLite);
