/** The rules where stores used to differ, on every store (scheduler-rules.ts). */
import { memoryFactory } from '../stores/memory.factory.js';
import { postgresFactory } from '../stores/postgres.factory.js';
import { redisFactory } from '../stores/redis.factory.js';
import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { describeSchedulerRules } from './scheduler-rules.js';

for (const factory of [memoryFactory, sqliteFileFactory, postgresFactory, redisFactory]) await describeSchedulerRules(factory);
