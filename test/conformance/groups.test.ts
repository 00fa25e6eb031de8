/** Groups (tenants) on every store (scheduler-groups.ts). */
import { memoryFactory } from '../stores/memory.factory.js';
import { postgresFactory } from '../stores/postgres.factory.js';
import { redisFactory } from '../stores/redis.factory.js';
import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { describeSchedulerGroups } from './scheduler-groups.js';

for (const factory of [memoryFactory, sqliteFileFactory, postgresFactory, redisFactory]) await describeSchedulerGroups(factory);
