import { describeSchedulerContract } from '../conformance/scheduler-contract.js';
import { describeSchedulerDurability } from '../conformance/scheduler-durability.js';
import { describeStoreContract } from '../conformance/store-contract.js';
import { describeGroupRotation } from '../conformance/group-rotation.js';
import { sqliteFileFactory, sqliteMemoryFactory } from './sqlite.factory.js';

await describeStoreContract(sqliteFileFactory);
await describeGroupRotation(sqliteFileFactory);
await describeSchedulerContract(sqliteFileFactory);
await describeSchedulerDurability(sqliteFileFactory);
await describeSchedulerContract(sqliteMemoryFactory);
await describeSchedulerDurability(sqliteMemoryFactory);
