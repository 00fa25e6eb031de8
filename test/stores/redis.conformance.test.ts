/** The shared conformance suites, unchanged, on Redis (a fresh key prefix per test). */
import { describeSchedulerContract } from '../conformance/scheduler-contract.js';
import { describeSchedulerDurability } from '../conformance/scheduler-durability.js';
import { describeStoreContract } from '../conformance/store-contract.js';
import { describeGroupRotation } from '../conformance/group-rotation.js';
import { redisFactory } from './redis.factory.js';

await describeStoreContract(redisFactory);
await describeGroupRotation(redisFactory);
await describeSchedulerContract(redisFactory);
await describeSchedulerDurability(redisFactory);
