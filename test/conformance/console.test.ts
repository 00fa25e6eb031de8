/** The operator's view of groups and throttling (scheduler-console.ts), on every store. */
import { memoryFactory } from '../stores/memory.factory.js';
import { postgresFactory } from '../stores/postgres.factory.js';
import { redisFactory } from '../stores/redis.factory.js';
import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { describeSchedulerConsole } from './scheduler-console.js';

for (const factory of [memoryFactory, sqliteFileFactory, postgresFactory, redisFactory]) await describeSchedulerConsole(factory);
