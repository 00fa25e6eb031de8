import { describeSchedulerContract } from '../conformance/scheduler-contract.js';
import { describeStoreContract } from '../conformance/store-contract.js';
import { memoryFactory } from './memory.factory.js';

// The reference model runs the suites every store runs (those needing a second process skip: it is private).
await describeStoreContract(memoryFactory);
await describeSchedulerContract(memoryFactory);
