/**
 * Seed 001 (mongo-job-scheduler), every section of its README on hourglass:
 *   npx tsx examples/001-mongo-job-scheduler/main.ts                       a SQLite file, deleted at the end
 *   HOURGLASS_STORE=postgres://127.0.0.1/app?schema=jobs npx tsx examples/001-mongo-job-scheduler/main.ts
 * Cron with a time zone, an interval, deduplication, cancellation (pending and running), querying, bulk
 * scheduling, every event, retries, two scheduler instances sharing one store, and a graceful stop.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeFromUrl, type Job, type Scheduler } from 'hourglass-jobs';
import { createJobService } from './service.js';

const file = join(tmpdir(), `hourglass-example-001-${process.pid}.db`);
const url = process.env.HOURGLASS_STORE || `sqlite:${file}`;

const scheduler = createJobService(await storeFromUrl(url), { mute: ['tally'] });
await scheduler.start();

// Cron with a time zone (default UTC).
const report = await scheduler.schedule('daily-report', { type: 'report' }, { repeat: { cron: '0 9 * * *', timezone: 'Asia/Kolkata' } });
console.log(`daily-report: next run ${report.nextRunAt?.toISOString()} (9:00 in Asia/Kolkata)`);

// Interval: runs now, then every 5 minutes.
const cleanup = await scheduler.schedule({ name: 'cleanup-logs', data: {}, repeat: { every: 5 * 60 * 1000 } });

// Deduplication: while the first is pending, the second call returns it.
const first = await scheduler.schedule({ name: 'email', data: { userId: 123 }, dedupeKey: 'email:user:123', delay: '10m' });
const second = await scheduler.schedule({ name: 'email', data: { userId: 123 }, dedupeKey: 'email:user:123', delay: '10m' });
console.log(`dedupe: ${first.id === second.id ? 'one job' : 'TWO JOBS'} for email:user:123 (id ${first.id})`);

// Cancellation of a pending job: it never runs.
await scheduler.cancel(first.id);
// Querying.
console.log(`getJob(${first.id}): ${(await scheduler.getJob(first.id))?.status}`);

// Cancellation of a running job: its ctx.signal aborts.
const exporting = await scheduler.now('export', { table: 'orders' }, { attempts: 1 });
await until(scheduler, async () => (await scheduler.getJob(exporting.id))?.status === 'running');
await scheduler.cancel(exporting.id);

// Bulk: one store round trip.
const bulk = await scheduler.scheduleBulk([1, 2, 3].map((userId) => ({ name: 'email', data: { userId } })));
console.log(`scheduleBulk: ${bulk.length} jobs in one operation`);

// A job that keeps failing: retried, then failed for good.
const charge = await scheduler.now('charge-card', { amount: 5 }, { attempts: 2 });

const finished = (job: Job | null) => ['completed', 'failed', 'cancelled'].includes(job?.status ?? '');
await until(scheduler, async () => {
  const jobs = await Promise.all([exporting, charge, ...bulk].map((j) => scheduler.getJob(j.id)));
  const interval = await scheduler.getJob(cleanup.id);
  return jobs.every(finished) && interval?.lastFinishedAt != null;
});
for (const job of [exporting, charge, ...bulk]) {
  const after = (await scheduler.getJob(job.id))!;
  console.log(`result: ${after.name} ${after.id} ${after.status}${after.lastError ? ` (${after.lastError})` : ''}`);
}

// Distributed: a second scheduler instance (another pod, in real life) on the same store.
const other = createJobService(await storeFromUrl(url), { quiet: true });
const ranBy = new Map<string, string>();
for (const [who, s] of [['first', scheduler], ['second', other]] as const) {
  s.on('job:success', (job) => job.name === 'tally' && ranBy.set(job.id, ranBy.has(job.id) ? 'TWICE' : who));
}
await other.start();
const tallies = await scheduler.scheduleBulk(Array.from({ length: 20 }, (_, i) => ({ name: 'tally', data: { i } })));
await until(scheduler, async () => ranBy.size === tallies.length);
const counts = [...ranBy.values()].reduce<Record<string, number>>((c, who) => ({ ...c, [who]: (c[who] ?? 0) + 1 }), {});
console.log(`two instances, ${tallies.length} jobs: each ran once${counts.TWICE ? ' EXCEPT SOME' : ''} (first ran ${counts.first ?? 0}, second ran ${counts.second ?? 0})`);
await other.stop({ graceful: true, timeoutMs: 30_000 });

// Graceful shutdown: waits for running jobs.
await scheduler.stop({ graceful: true, timeoutMs: 30_000 });
if (!process.env.HOURGLASS_STORE) for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });

async function until(s: Scheduler, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`example 001: timed out; jobs: ${JSON.stringify(await s.listJobs())}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
