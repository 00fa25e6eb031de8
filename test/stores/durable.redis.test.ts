import { describeDurableSteps } from '../conformance/durable-steps.js';
import { redisClusterFactory } from './redis.cluster.factory.js';
import { redisFactory } from './redis.factory.js';

await describeDurableSteps(redisFactory);
// Every key of a prefix shares its hash slot ({prefix}), so the durable scripts run on a cluster unchanged.
await describeDurableSteps(redisClusterFactory);
