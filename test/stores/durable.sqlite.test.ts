import { describeDurableSteps } from '../conformance/durable-steps.js';
import { sqliteFileFactory, sqliteMemoryFactory } from './sqlite.factory.js';

await describeDurableSteps(sqliteFileFactory);
await describeDurableSteps(sqliteMemoryFactory);
