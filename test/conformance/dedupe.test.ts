/** The dedupe modes on every store (scheduler-dedupe.ts). */
import { memoryFactory } from '../stores/memory.factory.js';
import { postgresFactory } from '../stores/postgres.factory.js';
import { redisFactory } from '../stores/redis.factory.js';
import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { describeSchedulerDedupe } from './scheduler-dedupe.js';

for (const factory of [memoryFactory, sqliteFileFactory, postgresFactory, redisFactory]) await describeSchedulerDedupe(factory);
