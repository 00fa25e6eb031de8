/**
 * The shared store and scheduler contracts, unchanged, on a 3-master Redis Cluster (a fresh prefix per test), and
 * the public-API differential (test/differential/scheduler-api.ts).
 */
import { describeSchedulerContract } from '../conformance/scheduler-contract.js';
import { describeStoreContract } from '../conformance/store-contract.js';
import { describeGroupRotation } from '../conformance/group-rotation.js';
import { describeSchedulerDifferential } from '../differential/scheduler-api.js';
import { redisClusterFactory } from './redis.cluster.factory.js';

await describeStoreContract(redisClusterFactory);
await describeGroupRotation(redisClusterFactory);
await describeSchedulerContract(redisClusterFactory);
await describeSchedulerDifferential(redisClusterFactory);
