/** Groups' upkeep on every store, Redis Cluster included (scheduler-group-upkeep.ts). */
import { memoryFactory } from '../stores/memory.factory.js';
import { postgresFactory } from '../stores/postgres.factory.js';
import { redisClusterFactory } from '../stores/redis.cluster.factory.js';
import { redisFactory } from '../stores/redis.factory.js';
import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { describeGroupUpkeep } from './scheduler-group-upkeep.js';

for (const factory of [memoryFactory, sqliteFileFactory, postgresFactory, redisFactory, redisClusterFactory]) await describeGroupUpkeep(factory);
