/** Workflow graphs on every store (scheduler-flows.ts). */
import { memoryFactory } from '../stores/memory.factory.js';
import { postgresFactory } from '../stores/postgres.factory.js';
import { redisClusterFactory } from '../stores/redis.cluster.factory.js';
import { redisFactory } from '../stores/redis.factory.js';
import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { describeSchedulerFlowGaps } from './scheduler-flow-gaps.js';
import { describeSchedulerFlowPrune } from './scheduler-flow-prune.js';
import { describeSchedulerFlowRemove } from './scheduler-flow-remove.js';
import { describeSchedulerFlows } from './scheduler-flows.js';

for (const factory of [memoryFactory, sqliteFileFactory, postgresFactory, redisFactory, redisClusterFactory]) {
  await describeSchedulerFlows(factory);
  await describeSchedulerFlowGaps(factory);
  await describeSchedulerFlowRemove(factory);
  await describeSchedulerFlowPrune(factory);
}
