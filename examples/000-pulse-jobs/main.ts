/**
 * Seed 000: an app whose jobs live in src/jobs (Pulse style), on hourglass.
 *   npx tsx examples/000-pulse-jobs/main.ts                       a SQLite file, deleted at the end
 *   HOURGLASS_STORE=postgres://… npx tsx examples/000-pulse-jobs/main.ts
 * Defines the jobs, schedules recurring, one-time and immediate ones, waits for the immediate ones (one of them
 * retried with backoff, one spawning others), stops gracefully, then starts again to show the jobs persisted.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job, Scheduler } from 'hourglass-jobs';
import { loadJobs } from './src/jobs/index.js';
import { getScheduler, stopScheduler } from './src/scheduler.js';

const file = join(tmpdir(), `hourglass-example-000-${process.pid}.db`);
const url = process.env.HOURGLASS_STORE || `sqlite:${file}`;

const scheduler = await getScheduler(url);
console.log(`jobs loaded from src/jobs: ${(await loadJobs(scheduler)).join(', ')}`);
scheduler.on('job:retry', (job) => console.log(`↻ ${job.name} (${(job.data as { to?: string }).to}) failed: ${job.lastError}; it will retry`));
await scheduler.start();

// Recurring jobs: one job per name, however often (and from however many processes) this runs.
await scheduler.every('5 minutes', 'heartbeat'); // runs now, then every 5 minutes
await scheduler.every('0 9 * * *', 'daily report'); // every day at 9 AM (UTC unless a timezone is given)
await scheduler.every('*/30 * * * *', 'sync data', null, { timezone: 'Europe/Paris' });

// One-time jobs, later.
await scheduler.schedule('in 20 minutes', 'send email', { to: 'later@example.com', subject: 'Reminder' });
await scheduler.schedule('at 5:00pm', 'send email', { to: 'five@example.com', subject: 'End of day' });

// Now.
const welcome = await scheduler.now('send email', { to: 'user@example.com', subject: 'Welcome!', body: 'Thanks for signing up' });
const flaky = await scheduler.now('send email', { to: 'flaky@example.com', subject: 'Welcome!' });
const upload = await scheduler.now('process upload', { fileId: 'abc123' });

const done = (job: Job | null) => job?.status === 'completed' || job?.status === 'failed';
await until(scheduler, async () => {
  const [a, b, c] = await Promise.all([welcome, flaky, upload].map((j) => scheduler.getJob(j.id)));
  const thumbnails = await scheduler.listJobs({ name: 'generate thumbnail', status: 'completed' });
  const heartbeat = (await scheduler.listJobs({ name: 'heartbeat' }))[0];
  return done(a) && done(b) && done(c) && thumbnails.length >= 2 && heartbeat?.lastFinishedAt != null;
});

for (const job of [welcome, flaky]) {
  const after = (await scheduler.getJob(job.id))!;
  console.log(`✓ send email to ${(after.data as { to: string }).to}: ${after.status} on attempt ${after.attempts} of ${after.maxAttempts} → ${JSON.stringify(after.result)}`);
}
const uploaded = (await scheduler.getJob(upload.id))!;
const thumbnails = await scheduler.listJobs({ name: 'generate thumbnail', status: 'completed' });
console.log(`✓ process upload: ${JSON.stringify(uploaded.result)}; spawned ${thumbnails.map((t) => (t.data as { size: string }).size).sort().join(' and ')} thumbnails`);
console.log(`✓ heartbeat ran once; it repeats every 5 minutes`);

const waiting = await scheduler.listJobs({ status: 'pending' });
console.log(`scheduled: ${describe(waiting)}`);

await stopScheduler();
console.log('stopped gracefully');

// A restart (a deploy, a crash): the jobs are in the store, not in memory.
const restarted = await getScheduler(url);
await loadJobs(restarted);
console.log(`after a restart, still scheduled: ${describe(await restarted.listJobs({ status: 'pending' }))}`);
await stopScheduler();
if (!process.env.HOURGLASS_STORE) for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });

function describe(jobs: Job[]): string {
  return jobs
    .map((j) => j.name)
    .sort()
    .join(', ');
}

async function until(s: Scheduler, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`example 000: jobs did not finish within ${timeoutMs} ms: ${JSON.stringify(await s.listJobs())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
