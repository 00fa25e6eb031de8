/**
 * src/core/jobs.ts of seed 004: a thin, provider-agnostic job interface (registerCron, registerInterval,
 * registerDelayed, trigger) that the app's modules use. It was over pg-boss; it is now over hourglass, and
 * no handler changed. The app's `db` reaches every handler through the scheduler's `context` option.
 */
import { Scheduler, type Duration, type Job, type Logger, type Store } from 'hourglass-jobs';
import type { Db } from './db.js';

export interface JobContext {
  db: Db; // the app's database (the seed: its Drizzle instance)
  logger: Logger; // carries jobId and jobName on every line
  jobId: string;
  jobName: string;
  data?: any;
}
export type JobHandler = (context: JobContext) => Promise<unknown>;

export interface JobScheduler {
  registerCron(name: string, cron: string, handler: JobHandler, options?: { timezone?: string }): void;
  /** Every `intervalMs` (hourglass has no one-minute minimum); the first run is at start. */
  registerInterval(name: string, intervalMs: number, handler: JobHandler): void;
  /** Runs `delayMs` after each trigger(). */
  registerDelayed(name: string, delayMs: number, handler: JobHandler): void;
  /** Run a registered job now (a delayed one after its delay); → the job's id. */
  trigger(name: string, data?: unknown): Promise<string>;
  getJob(id: string): Promise<Job | null>;
  getHealth(): Promise<{ healthy: boolean; queueSize?: number }>;
  getQueueSize(name: string): Promise<number>;
  /** The hourglass Scheduler underneath, for what the interface does not cover. */
  readonly scheduler: Scheduler;
  start(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface JobSchedulerOptions {
  store: Store;
  db: Db;
  logger: Logger;
  /** The seed's retryLimit / retryDelay / retryBackoff (defaults 2, 5 s, exponential). */
  retryLimit?: number;
  retryDelay?: Duration;
  retryBackoff?: boolean;
}

export function createJobScheduler(options: JobSchedulerOptions): JobScheduler {
  const scheduler = new Scheduler({
    store: options.store,
    logger: options.logger,
    context: { db: options.db },
    defaults: {
      attempts: (options.retryLimit ?? 2) + 1, // pg-boss counts retries; hourglass counts runs
      backoff: { type: options.retryBackoff === false ? 'fixed' : 'exponential', delay: options.retryDelay ?? '5s' },
    },
  });
  const repeats: { name: string; every: string | number; timezone?: string }[] = [];
  const delays = new Map<string, number>();
  const define = (name: string, handler: JobHandler) =>
    scheduler.define(name, (job, ctx) =>
      handler({ db: ctx.db as Db, logger: ctx.logger, jobId: ctx.jobId, jobName: ctx.jobName, data: job.data }),
    );

  return {
    registerCron(name, cron, handler, cronOptions = {}) {
      define(name, handler);
      repeats.push({ name, every: cron, ...(cronOptions.timezone ? { timezone: cronOptions.timezone } : {}) });
    },
    registerInterval(name, intervalMs, handler) {
      define(name, handler);
      repeats.push({ name, every: intervalMs });
    },
    registerDelayed(name, delayMs, handler) {
      define(name, handler);
      delays.set(name, delayMs);
    },
    async trigger(name, data) {
      const delay = delays.get(name);
      const job = await scheduler.schedule({ name, data: data ?? null, ...(delay ? { delay } : {}) });
      return job.id;
    },
    getJob: (id) => scheduler.getJob(id),
    async getHealth() {
      const { healthy, queueSize } = await scheduler.health();
      return queueSize === null ? { healthy } : { healthy, queueSize };
    },
    getQueueSize: (name) => scheduler.queueSize(name),
    scheduler,
    async start() {
      // One repeating job per name, however many processes boot at once; each due time runs once among them.
      for (const r of repeats) await scheduler.every(r.every, r.name, null, r.timezone ? { timezone: r.timezone } : {});
      await scheduler.start();
    },
    shutdown: () => scheduler.stop({ graceful: true, timeoutMs: 30_000 }),
  };
}
