/**
 * Every row of the table: what runs, on which store, in which role. Drivers are loaded lazily (the child loads
 * only its own, so no worker carries another library's code). `primary` marks the hourglass row the goals are
 * judged on (its defaults); `ceiling` names the ceiling a row is compared with when the store has several.
 */
import type { Entry } from './harness/types.js';

export interface Contender extends Entry {
  primary?: boolean;
  ceiling?: string;
}

export const CONTENDERS: Contender[] = [
  { id: 'sqlite/ceiling-full', store: 'sqlite', role: 'ceiling', contender: 'bare SQL ceiling', config: 'WAL, synchronous FULL, 500 a transaction', module: 'sqlite/ceiling.ts', variant: 'full' },
  { id: 'sqlite/ceiling-normal', store: 'sqlite', role: 'ceiling', contender: 'bare SQL ceiling', config: 'WAL, synchronous NORMAL, 500 a transaction', module: 'sqlite/ceiling.ts', variant: 'normal' },
  // The default store's worker commits its claims and settles without an fsync (docs/stores/sqlite.md
  // "Durability"), so its × ceiling is against the NORMAL ceiling; the goal line still reads FULL.
  { id: 'sqlite/hourglass', store: 'sqlite', role: 'hourglass', contender: 'hourglass', config: 'defaults (synchronous FULL)', module: 'sqlite/hourglass.ts', variant: 'full', primary: true, ceiling: 'sqlite/ceiling-normal' },
  { id: 'sqlite/hourglass-normal', store: 'sqlite', role: 'hourglass', contender: 'hourglass', config: "synchronous: 'normal'", module: 'sqlite/hourglass.ts', variant: 'normal', ceiling: 'sqlite/ceiling-normal' },

  { id: 'postgres/ceiling', store: 'postgres', role: 'ceiling', contender: 'SKIP LOCKED ceiling', config: '4 connections, claim 500 / settle 500 a statement', module: 'postgres/ceiling.ts', variant: '' },
  { id: 'postgres/hourglass', store: 'postgres', role: 'hourglass', contender: 'hourglass', config: 'defaults', module: 'postgres/hourglass.ts', variant: 'defaults', primary: true },
  { id: 'postgres/hourglass-prefetch100', store: 'postgres', role: 'hourglass', contender: 'hourglass', config: 'prefetch 100', module: 'postgres/hourglass.ts', variant: 'prefetch100' },
  { id: 'postgres/graphile', store: 'postgres', role: 'peer', contender: 'graphile-worker 0.17', config: 'defaults', module: 'postgres/graphile.ts', variant: 'defaults' },
  { id: 'postgres/graphile-tuned', store: 'postgres', role: 'peer', contender: 'graphile-worker 0.17', config: 'localQueue 100, completeJobBatchDelay 1', module: 'postgres/graphile.ts', variant: 'tuned' },
  { id: 'postgres/pgboss', store: 'postgres', role: 'peer', contender: 'pg-boss 10', config: 'batchSize 10 + notifyWorker', module: 'postgres/pgboss.ts', variant: '' },
  { id: 'postgres/bullmq', store: 'postgres', role: 'peer', contender: 'BullMQ 6 (PostgreSQL backend)', config: 'defaults', module: 'postgres/bullmq.ts', variant: '' },

  { id: 'redis/hourglass', store: 'redis', role: 'hourglass', contender: 'hourglass', config: 'defaults', module: 'redis/hourglass.ts', variant: '', primary: true },
  { id: 'redis/bullmq', store: 'redis', role: 'peer', contender: 'BullMQ 6', config: 'defaults', module: 'redis/bullmq.ts', variant: '' },
];
