import { describeDurableSteps } from '../conformance/durable-steps.js';
import { redisFactory } from './redis.factory.js';

await describeDurableSteps(redisFactory);
