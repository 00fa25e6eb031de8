/** The shared store conformance suite, unchanged, on Redis (a fresh key prefix per test). */
import { describeStoreContract } from '../conformance/store-contract.js';
import { redisFactory } from './redis.factory.js';

await describeStoreContract(redisFactory);
