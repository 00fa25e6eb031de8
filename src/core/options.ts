/**
 * The Scheduler's options: their types, defaults and validation (every bad value is a typed error naming it).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ValidationError } from './errors.js';
import { defaultLogger, type Logger } from './logger.js';
import { assertKnownKeys, assertObject, normaliseBackoff } from './normalise.js';
import type { SchedulerDefaults } from './registry.js';
import { parseRetention, type RetentionOptions, type RetentionPolicy } from './retention.js';
import type { Store } from './store.js';
import { parsePositiveDuration, parseTimerDuration } from './time/duration.js';
import { parsePriority } from './time/priority.js';
import { assertTimezone } from './time/timezone.js';
import type { BackoffOptions, Duration, JobHandler, Priority } from './types.js';
import { MAX_INT32, assertInt } from './validate.js';
import { Webhooks, type WebhookOptions } from './webhooks.js';

export interface SchedulerOptions<C extends object = {}> {
  /** Where jobs live. Default: SqliteStore at ./hourglass.db. */
  store?: Store;
  /** Jobs this process runs at once. Default 10. */
  concurrency?: number;
  /** Alias of concurrency (as in mongo-job-scheduler). */
  workers?: number;
  /**
   * Most jobs this process holds locked at once: running, claimed ahead, or finished with their outcome not yet
   * recorded (Pulse's lockLimit). Default: no limit (a worker still holds at most 2 × (concurrency + prefetch)).
   */
  lockLimit?: number;
  /**
   * Most jobs claimed ahead of a free slot, so the next job starts at once. The worker holds about 50 ms of
   * work ahead (fewer the longer jobs take, none once they average 50 ms), so long jobs are never hoarded.
   * Default: the store's (SQLite 300, PostgreSQL 500: each claim and settle there has a fixed cost that bigger
   * batches share), at least 10 × concurrency (so jobs of 5 ms and up get their full 50 ms); 0 turns it off.
   */
  prefetch?: number;
  /** Fallback poll for due work when no wake-up arrives. Default 1000 ms. */
  pollInterval?: Duration;
  /** How long a claimed job stays locked without a heartbeat. Default 30 s; heartbeats renew it every third. */
  lockLifetime?: Duration;
  logger?: Logger;
  /** Runs jobs whose name has no define()d handler. */
  handler?: JobHandler<unknown, unknown, C>;
  /** Defaults for jobs that set nothing themselves and whose definition sets nothing either. */
  defaults?: {
    attempts?: number;
    backoff?: BackoffOptions;
    timeout?: Duration;
    priority?: Priority;
    shouldSaveResult?: boolean;
    /** See DefineOptions.maxLostRuns. Default 2. */
    maxLostRuns?: number;
  };
  /** Time zone for cron expressions and English times ('at 5pm'). Default 'UTC'. */
  timezone?: string;
  /** Merged into every handler's ctx (a db handle, services). */
  context?: C;
  /** Identifies this process in locks and history. Default host:pid:random. */
  workerId?: string;
  /** Clock, for tests of schedule arithmetic. Default Date.now. */
  now?: () => number;
  /**
   * How long finished jobs and history are kept, e.g. `{ completed: '1d', failed: '30d', history: '30d' }`.
   * Default: forever. A running scheduler sweeps every `interval` (see retention.ts).
   */
  retention?: RetentionOptions;
  /**
   * HTTP POSTs when jobs succeed, fail or complete, delivered as durable jobs with retries (see webhooks.ts).
   * Every process that runs jobs should be given the same list.
   */
  webhooks?: WebhookOptions[];
}

const OPTION_KEYS = ['store', 'concurrency', 'workers', 'lockLimit', 'prefetch', 'pollInterval', 'lockLifetime', 'logger', 'handler', 'defaults', 'timezone', 'context', 'workerId', 'now', 'retention', 'webhooks'];

export interface ResolvedOptions {
  options: SchedulerOptions;
  logger: Logger;
  timezone: string;
  clock: () => number;
  workerId: string;
  context: Record<string, unknown>;
  concurrency: number;
  lockLimit: number;
  /** null: the store's default (see Store.defaultPrefetch). */
  prefetch: number | null;
  pollIntervalMs: number;
  lockLifetimeMs: number;
  defaults: SchedulerDefaults;
  retention: RetentionPolicy | null;
  webhooks: Webhooks | null;
}

export function resolveOptions(options: SchedulerOptions): ResolvedOptions {
  const o = assertObject(options, 'options') as SchedulerOptions;
  assertKnownKeys(o, OPTION_KEYS, 'options');
  if (o.concurrency !== undefined && o.workers !== undefined) throw new ValidationError('options.workers', o.workers, 'give concurrency or workers, not both');
  const concurrency = o.concurrency ?? o.workers ?? 10;
  assertInt(concurrency, o.workers !== undefined ? 'options.workers' : 'options.concurrency', 1);
  const lockLimit = o.lockLimit === undefined || o.lockLimit === 0 ? Infinity : assertInt(o.lockLimit, 'options.lockLimit', 1);
  // null: the store's default (Store.defaultPrefetch), known once the store is (Scheduler.holdLimits).
  const prefetch = o.prefetch === undefined ? null : assertInt(o.prefetch, 'options.prefetch', 0);
  const pollIntervalMs = parsePositiveDuration(o.pollInterval ?? 1000, 'options.pollInterval');
  const lockLifetimeMs = parseTimerDuration(o.lockLifetime ?? 30_000, 'options.lockLifetime');
  if (o.handler !== undefined && typeof o.handler !== 'function') throw new ValidationError('options.handler', o.handler, 'must be a function');
  const d = assertObject(o.defaults, 'options.defaults') as NonNullable<SchedulerOptions['defaults']>;
  assertKnownKeys(d, ['attempts', 'backoff', 'timeout', 'priority', 'shouldSaveResult', 'maxLostRuns'], 'options.defaults');
  if (d.shouldSaveResult !== undefined && typeof d.shouldSaveResult !== 'boolean') {
    throw new ValidationError('options.defaults.shouldSaveResult', d.shouldSaveResult, 'must be true or false');
  }
  return {
    options: o,
    logger: o.logger ?? defaultLogger(),
    timezone: assertTimezone(o.timezone ?? 'UTC', 'options.timezone'),
    clock: o.now ?? Date.now,
    workerId: o.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    context: assertObject(o.context, 'options.context'),
    concurrency,
    lockLimit,
    prefetch,
    pollIntervalMs,
    lockLifetimeMs,
    retention: parseRetention(o.retention),
    webhooks: o.webhooks === undefined ? null : new Webhooks(o.webhooks, 'options.webhooks'),
    defaults: {
      attempts: d.attempts === undefined ? 1 : assertInt(d.attempts, 'options.defaults.attempts', 1, MAX_INT32),
      backoff: normaliseBackoff(d.backoff, 'options.defaults.backoff') ?? { type: 'exponential', delay: 1000 },
      timeoutMs: d.timeout === undefined ? null : parseTimerDuration(d.timeout, 'options.defaults.timeout'),
      priority: parsePriority(d.priority, 'options.defaults.priority') ?? 0,
      shouldSaveResult: d.shouldSaveResult ?? true,
      maxLostRuns: d.maxLostRuns === undefined ? 2 : assertInt(d.maxLostRuns, 'options.defaults.maxLostRuns', 0),
    },
  };
}
