/** hourglass/redis: the Redis store. The only entry point that loads ioredis. */
export { RedisStore, type RedisStoreOptions } from './store.js';
