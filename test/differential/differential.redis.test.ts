import { redisFactory } from '../stores/redis.factory.js';
import { describeDifferential } from './suite.js';
import { describeSchedulerDifferential } from './scheduler-api.js';

await describeDifferential(redisFactory);
await describeSchedulerDifferential(redisFactory);
