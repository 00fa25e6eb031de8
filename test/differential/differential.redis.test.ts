import { redisFactory } from '../stores/redis.factory.js';
import { describeDifferential } from './suite.js';

await describeDifferential(redisFactory);
