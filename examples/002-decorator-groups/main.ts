/**
 * Seed 002: decorated job groups, a query fanning out to one durable job per item, dependency injection through
 * a container, and distributed locks.
 *   npx tsx examples/002-decorator-groups/main.ts                          a SQLite file, deleted at the end
 *   HOURGLASS_STORE='redis://127.0.0.1:6379?prefix=example' npx tsx examples/002-decorator-groups/main.ts
 * With a redis:// URL the store shares the app's ioredis client, as the seed's JobRunner did.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, Scheduler, storeFromUrl, type Store } from 'hourglass-jobs';
import { itemJobName, registerJobs } from 'hourglass-jobs/decorators';
import { Container } from './container.js';
import { BigDataJobs, MaintenanceJobs, OrderJobs, UserJobs } from './jobs.js';
import { Database, EmailService, Locks, OrderService } from './services.js';

const file = join(tmpdir(), `hourglass-example-002-${process.pid}.db`);
const url = process.env.HOURGLASS_STORE || `sqlite:${file}`;

const container = new Container()
  .bind(Database, () => new Database())
  .bind(EmailService, () => new EmailService())
  .bind(OrderService, (c) => new OrderService(c.get(Database)))
  .bind(UserJobs, (c) => new UserJobs(c.get(Database), c.get(EmailService)))
  .bind(OrderJobs, (c) => new OrderJobs(c.get(OrderService)))
  .bind(BigDataJobs, (c) => new BigDataJobs(c.get(Database)))
  .bind(MaintenanceJobs, (c) => new MaintenanceJobs(c.get(Locks)));

const { store, close } = await openStore(url);
const scheduler = new Scheduler({ store, logger: createLogger({ level: 'info', pretty: true }), concurrency: 10 });
container.bind(Locks, () => scheduler.locks);
const registration = await registerJobs(scheduler, [UserJobs, OrderJobs, BigDataJobs, MaintenanceJobs], {
  resolve: (Class) => container.get(Class as typeof UserJobs),
});
for (const j of registration.jobs) console.log(`registered ${j.group}/${j.name}: ${j.schedule}${j.query ? ` (query → ${j.itemName})` : ''}`);
await scheduler.start();

// Run the queries now instead of at 9 AM (the seed's runner.run), and wait for every item.
const fanOuts = ['send-notifications', 'process-pending', 'process-millions'];
for (const name of fanOuts) await registration.run(name);
await until(async () => {
  for (const name of fanOuts) {
    const { pending, running } = await scheduler.countJobs(itemJobName(name));
    const query = (await scheduler.listJobs({ name }))[0];
    if (pending + running > 0 || !query || query.status === 'running' || query.lastFinishedAt === null) return false;
  }
  return true;
});
for (const name of fanOuts) {
  const counts = await scheduler.countJobs(itemJobName(name));
  const query = (await scheduler.listJobs({ name }))[0]!;
  console.log(`${name}: the query stored ${JSON.stringify(query.result)}; ${counts.completed} item jobs completed, ${counts.failed} failed`);
}
console.log(`emails sent: ${container.get(EmailService).sent.join(', ')}`);
console.log(`orders processed: ${container.get(OrderService).processed.sort().join(', ')} (102 after a retry)`);

// Locks: while another process holds 'critical-job', cleanup skips its critical section.
const other = 'another-process';
console.log(`another process takes the lock: ${await scheduler.locks.acquire('critical-job', other, '10m')}`);
console.log(`cleanup: ${JSON.stringify(await runAndWait('cleanup'))}`);
console.log(`the other process releases it: ${await scheduler.locks.release('critical-job', other)}`);
console.log(`cleanup: ${JSON.stringify(await runAndWait('cleanup'))}`);
console.log(`check-queues: ${JSON.stringify(await runAndWait('check-queues'))}`);

// Pause a job in every process sharing the store (the seed's runner.stop(name)), then resume it.
await registration.pause('send-notifications');
console.log(`paused: ${(await scheduler.pausedNames()).join(', ')}`);
await registration.resume('send-notifications');

await scheduler.stop({ graceful: true, timeoutMs: 30_000 });
await close();
if (!process.env.HOURGLASS_STORE) for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });

/** Run a plain @job now and wait for that run's result. */
async function runAndWait(name: string): Promise<unknown> {
  const before = (await scheduler.listJobs({ name }))[0]?.lastFinishedAt?.getTime() ?? 0;
  await registration.run(name);
  let result: unknown;
  await until(async () => {
    const job = (await scheduler.listJobs({ name }))[0];
    result = job?.result;
    return job !== undefined && job.status === 'pending' && (job.lastFinishedAt?.getTime() ?? 0) > before;
  });
  return result;
}

/** The store for a URL; for redis:// an ioredis client of the app's own, reused (never quit) by the store. */
async function openStore(storeUrl: string): Promise<{ store: Store; close: () => Promise<unknown> }> {
  if (!/^rediss?:/.test(storeUrl)) return { store: await storeFromUrl(storeUrl), close: async () => undefined };
  const { Redis } = await import('ioredis');
  const { RedisStore } = await import('hourglass-jobs/redis');
  const parsed = new URL(storeUrl);
  const prefix = parsed.searchParams.get('prefix') ?? 'hourglass';
  parsed.searchParams.delete('prefix');
  const redis = new Redis(parsed.toString());
  return { store: new RedisStore({ client: redis, prefix }), close: () => redis.quit() };
}

async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`example 002: timed out; jobs: ${JSON.stringify(await scheduler.listJobs({ limit: 20 }))}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
