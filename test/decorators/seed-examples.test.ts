/**
 * Every example of the decorator seed, compiled four ways (esbuild and tsc, TC39 and legacy decorators),
 * registered on a real SQLite store: what is stored (names, schedules, attempts) and what runs.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import * as decorators from '../../src/decorators/index.js';
import { Scheduler, silentLogger, type Job } from '../../src/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { BUILDS, loadFixture } from './compile.js';
import type seedExamples from './fixtures/seed-examples.js';
import type { Env, User } from './fixtures/seed-examples.js';
import { EmailService, OrderService } from './fixtures/services.js';
import { recordingLogger } from '../support/logger.js';
import { memoryScheduler, waitUntil } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/seed-examples.ts', import.meta.url));

function makeEnv(overrides: Partial<Env> = {}): Env & { sent: string[]; alerts: unknown[] } {
  const sent: string[] = [];
  const alerts: unknown[] = [];
  return {
    calls: [],
    sent,
    alerts,
    db: {
      getActiveUsers: async (): Promise<User[]> => [1, 2, 3].map((id) => ({ id, email: `u${id}@example.com` })),
      orders: { findPending: async () => [{ id: 7 }] },
      // 2005 records: batches of 1000, 1000 and 5.
      getRecords: async (offset, size) => Array.from({ length: Math.max(0, Math.min(size, 2005 - offset)) }, (_, i) => ({ id: offset + i })),
    },
    emailService: { send: async (to, subject) => void sent.push(`${to}:${subject}`) },
    externalAPI: {
      getData: async () => {
        throw new Error('API down');
      },
    },
    alertTeam: async (message) => void alerts.push(message),
    ...overrides,
  };
}

async function finished(s: Scheduler, name: string, count: number): Promise<Job[]> {
  let jobs: Job[] = [];
  await waitUntil(async () => {
    jobs = (await s.listJobs({ name, limit: 5000 })).filter((j) => j.status === 'completed' || j.status === 'failed');
    return jobs.length >= count;
  }, 15_000, `${count} finished ${name} jobs`);
  return jobs;
}

/** Wait until a repeating job has completed a run (it is pending again, with a lastFinishedAt). */
async function ranOnce(s: Scheduler, name: string): Promise<Job> {
  let job: Job | undefined;
  await waitUntil(async () => {
    job = (await s.listJobs({ name }))[0];
    return !!job?.lastFinishedAt && job.status === 'pending';
  }, 15_000, `a run of ${name}`);
  return job!;
}

for (const { flavour, compiler } of BUILDS) {
  describe(`seed examples (${flavour} decorators, ${compiler})`, () => {
    let scheduler: Scheduler | null = null;
    afterEach(async () => {
      await scheduler?.stop({ graceful: false });
      scheduler = null;
    });

    it('stores one repeating job per example, at the due times its schedule gives', async () => {
      const groups = (await loadFixture<typeof seedExamples>(fixture, flavour, compiler))(decorators, makeEnv());
      const pending = new OrderService([]);
      const email = new EmailService();
      // A fixed clock: Wednesday 2026-03-04 10:07 UTC. Only the schedule arithmetic depends on it.
      const now = Date.UTC(2026, 2, 4, 10, 7);
      scheduler = new Scheduler({ store: new SqliteStore({ path: ':memory:' }), now: () => now, logger: silentLogger });
      const registration = await decorators.registerJobs(scheduler, Object.values(groups), {
        resolve: (Class) => (Class === groups.OrderJobs ? new groups.OrderJobs(pending, email) : new Class()),
      });
      const at = (name: string) => registration.jobs.find((j) => j.name === name)!.job.nextRunAt!.toISOString();
      expect(at('cleanup')).toBe('2026-03-05T00:00:00.000Z');
      expect(at('send-notifications')).toBe('2026-03-05T09:00:00.000Z');
      expect(at('process-orders')).toBe('2026-03-04T10:15:00.000Z');
      expect(at('sync-data')).toBe('2026-03-04T11:00:00.000Z');
      expect(at('daily-cleanup')).toBe('2026-03-05T00:00:00.000Z');
      expect(at('reports')).toBe('2026-03-08T00:00:00.000Z'); // Sunday
      expect(at('billing')).toBe('2026-04-01T00:00:00.000Z');
      expect(at('sync')).toBe('2026-03-04T10:15:00.000Z'); // a weekday, inside 9-17
      expect(at('semi-monthly')).toBe('2026-03-15T02:30:00.000Z');
      expect(at('heavy-computation')).toBe('2026-03-05T02:00:00.000Z');

      const stored = await scheduler.listJobs({ limit: 100 });
      expect(stored).toHaveLength(23);
      expect(new Set(stored.map((j) => j.name)).size).toBe(23);
      expect(stored.every((j) => j.repeat !== null && 'cron' in j.repeat)).toBe(true);
      const maxAttempts = Object.fromEntries(stored.map((j) => [j.name, j.maxAttempts]));
      expect(maxAttempts).toMatchObject({ 'process-orders': 4, 'critical-sync': 6, 'heavy-computation': 1, 'payment-processing': 6, cleanup: 1 });
      expect(registration.names).toContain('send-notifications:item');
      expect(registration.jobs.find((j) => j.name === 'process-pending')).toMatchObject({ group: 'orders', method: 'OrderJobs.processOrder', query: 'OrderJobs.getPendingOrders', itemName: 'process-pending:item', schedule: '*/10 * * * *' });
    });

    it('runs plain jobs, query pairs (arrays and async generators) and injected instances', async () => {
      const env = makeEnv();
      const groups = (await loadFixture<typeof seedExamples>(fixture, flavour, compiler))(decorators, env);
      const orderService = new OrderService([{ id: 1 }, { id: 2 }]);
      const emailService = new EmailService();
      const container = new Map<Function, unknown>([[groups.OrderJobs, new groups.OrderJobs(orderService, emailService)]]);
      const logger = recordingLogger();
      scheduler = memoryScheduler({ logger, concurrency: 20 });
      const { MyJobs, UserJobs, OrderJobs, BigDataJobs, MonitoringJobs, FetchJobs } = groups;
      const registration = await decorators.registerJobs(scheduler, [MyJobs, UserJobs, OrderJobs, BigDataJobs, MonitoringJobs, FetchJobs], {
        resolve: (Class) => container.get(Class) ?? new Class(),
      });
      await scheduler.start();
      for (const name of ['cleanup', 'send-notifications', 'process-pending', 'process-millions', 'fetch-data']) await registration.run(name);

      await ranOnce(scheduler, 'cleanup');
      expect(env.calls).toContain('cleanup');

      const sent = await finished(scheduler, 'send-notifications:item', 3);
      expect(sent.map((j) => j.data)).toEqual(expect.arrayContaining([{ id: 1, email: 'u1@example.com' }, { id: 3, email: 'u3@example.com' }]));
      expect(env.sent.sort()).toEqual(['u1@example.com:Daily Update', 'u2@example.com:Daily Update', 'u3@example.com:Daily Update']);

      // `this` is the resolved instance: its injected services did the work.
      await finished(scheduler, 'process-pending:item', 2);
      expect(orderService.processed.sort()).toEqual([1, 2]);
      expect(emailService.confirmations.sort()).toEqual([1, 2]);

      const records = await finished(scheduler, 'process-millions:item', 2005);
      expect(records.every((j) => j.status === 'completed')).toBe(true);
      expect(new Set(env.calls.filter((c) => c.startsWith('record:'))).size).toBe(2005);
      const bigRun = await ranOnce(scheduler, 'process-millions');
      expect(bigRun.result).toEqual({ batches: 3, items: 2005 });

      // A query that catches its failure and returns [] ends its run successfully, having logged.
      const fetchRun = await ranOnce(scheduler, 'fetch-data');
      expect(fetchRun.lastError).toBeNull();
      expect(fetchRun.result).toEqual({ batches: 1, items: 0 });
      expect(logger.records.some((r) => r.level === 'error' && r.msg === 'Query failed' && r.fields.jobName === 'fetch-data')).toBe(true);

      await registration.run('check-queues');
      await ranOnce(scheduler, 'check-queues');
      expect(env.calls).toContain('check-queues:0');
    });

    it('error handling: a rethrown item retries after `timeout`, a logged one completes', async () => {
      const env = makeEnv();
      const { ResilientJobs } = (await loadFixture<typeof seedExamples>(fixture, flavour, compiler))(decorators, env);
      const logger = recordingLogger();
      scheduler = memoryScheduler({ logger });
      const registration = await decorators.registerJobs(scheduler, [ResilientJobs]);
      await scheduler.start();
      const started = Date.now();
      await registration.run('resilient-job');
      await finished(scheduler, 'resilient-job:item', 2);
      let critical: Job | undefined;
      await waitUntil(async () => {
        critical = (await scheduler!.listJobs({ name: 'resilient-job:item' })).find((j) => (j.data as { id: number }).id === 1);
        return critical?.status === 'pending' && critical.attempts === 1;
      }, 10_000, 'the critical item waiting for its retry');
      // retries: 3 → 4 attempts; timeout: '30s' → the retry is due 30 s after the failure.
      expect(critical!.maxAttempts).toBe(4);
      expect(critical!.nextRunAt!.getTime() - started).toBeGreaterThanOrEqual(29_000);
      expect(critical!.lastError).toBe('item 1 failed');
      expect(env.alerts).toHaveLength(1);
      expect(logger.records.filter((r) => r.level === 'warn' && r.msg === 'non-critical failure, not retried')).toHaveLength(1);
    });
  });
}

describe('seed: test jobs independently', () => {
  it('a group is a plain class: construct it and call its methods without a scheduler', async () => {
    const groups = (await loadFixture<typeof seedExamples>(fixture, 'standard', 'esbuild'))(decorators, makeEnv());
    const orderService = new OrderService([{ id: 4 }, { id: 5 }]);
    const emailService = new EmailService();
    const jobs = new groups.OrderJobs(orderService, emailService);
    for (const order of await jobs.getPendingOrders()) await jobs.processOrder(order);
    expect(orderService.processed).toEqual([4, 5]);
    expect(emailService.confirmations).toEqual([4, 5]);
  });
});
