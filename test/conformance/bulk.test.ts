/** scheduleBulk's streamed form on every store (scheduler-bulk.ts). */
import { memoryFactory } from '../stores/memory.factory.js';
import { postgresFactory } from '../stores/postgres.factory.js';
import { redisFactory } from '../stores/redis.factory.js';
import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { describeSchedulerBulk } from './scheduler-bulk.js';

for (const factory of [memoryFactory, sqliteFileFactory, postgresFactory, redisFactory]) await describeSchedulerBulk(factory);
