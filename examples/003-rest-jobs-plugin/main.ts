/**
 * Seed 003 (a REST jobs plugin), driven the way its README drives it: by HTTP calls.
 *   npx tsx examples/003-rest-jobs-plugin/main.ts              a SQLite file (the seed's app.db), deleted at the end
 *   HOURGLASS_STORE=postgres://… npx tsx examples/003-rest-jobs-plugin/main.ts
 * Creates, lists, reads, updates, triggers and deletes jobs, reads their history, stops and starts the runner,
 * then the seed's "future enhancements": priorities, advanced cron, the web UI, dependencies, webhooks, rate
 * limiting and the dead-letter queue.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from './app.js';

const file = join(tmpdir(), `hourglass-example-003-${process.pid}.db`);
const app = await startApp(process.env.HOURGLASS_STORE || `sqlite:${file}`);
const base = app.api.url; // http://127.0.0.1:<port>/

async function call(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(new URL(path, base), {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
const job = (id: string) => call('GET', `jobs/${id}`);
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`example 003: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const ran = (id: string) => until(async () => (await job(id)).lastFinishedAt !== null && (await job(id)).status !== 'running', `job ${id} to run`);

// Creating jobs: a cron schedule, an interval, a one-time job.
const cleanup = await call('POST', 'jobs', { name: 'Daily Cleanup', handler: 'cleanupOldRecords', data: { days: 30 }, schedule: '0 0 * * *', maxAttempts: 3 });
console.log(`POST /jobs → ${cleanup.name} (${cleanup.handler}) #${cleanup.id}: ${cleanup.status}, next ${cleanup.nextRunAt}`);
const sync = await call('POST', 'jobs', { name: 'Sync External Data', handler: 'sendNotifications', data: { users: ['a', 'b'] }, schedule: '10m' });
const upload = await call('POST', 'jobs', { name: 'Process Upload', handler: 'processUpload', data: { fileId: 'abc123' } }); // no schedule: once, now
await ran(upload.id);
await ran(sync.id);
console.log(`one-time job ${upload.name}: ${(await job(upload.id)).status} → ${JSON.stringify((await job(upload.id)).result)}`);
console.log(`interval job ${sync.name}: ran at once, ${(await job(sync.id)).status} again, every 10 minutes`);

// Listing, reading, updating.
const pending = await call('GET', 'jobs?status=pending');
console.log(`GET /jobs?status=pending → ${pending.total}: ${pending.data.map((j: any) => j.name).sort().join(', ')}`);
const updated = await call('PUT', `jobs/${cleanup.id}`, { schedule: '*/10 * * * *', maxAttempts: 5 });
console.log(`PUT /jobs/${cleanup.id} → schedule ${updated.repeat.cron}, maxAttempts ${updated.maxAttempts}`);

// Triggering now, bypassing the schedule, and reading the execution history.
await call('POST', `jobs/${cleanup.id}/trigger`);
await ran(cleanup.id);
await call('POST', `jobs/${cleanup.id}/trigger`);
await until(async () => (await call('GET', `jobs/${cleanup.id}/history`)).data.length === 2, 'two runs in the history');
const history = (await call('GET', `jobs/${cleanup.id}/history`)).data as { duration: number; status: string; result: unknown }[];
const average = history.reduce((sum, h) => sum + h.duration, 0) / history.length;
const failureRate = (history.filter((h) => h.status === 'failed').length / history.length) * 100;
console.log(`history of ${cleanup.name}: ${history.length} runs, results ${JSON.stringify(history[0]!.result)}, average ${average < 1000 ? 'under a second' : `${average} ms`}, failure rate ${failureRate}%`);

// Runner control.
console.log(`POST /jobs/runner/stop → running: ${(await call('POST', 'jobs/runner/stop')).running}`);
const whileStopped = await call('POST', 'jobs', { name: 'Weekly Report', handler: 'generateReports', data: { type: 'weekly' } });
await new Promise((r) => setTimeout(r, 300));
console.log(`a job created while stopped: ${(await job(whileStopped.id)).status}`);
console.log(`POST /jobs/runner/start → running: ${(await call('POST', 'jobs/runner/start')).running}`);
await ran(whileStopped.id);
console.log(`after start: ${(await job(whileStopped.id)).status}`);

// Deleting.
await call('DELETE', `jobs/${sync.id}`);
console.log(`DELETE /jobs/${sync.id} → GET answers ${(await fetch(new URL(`jobs/${sync.id}`, base))).status}`);

// Future enhancements.
// Priority queues: higher runs first.
const urgent = await call('POST', 'jobs', { name: 'Urgent Digest', handler: 'sendNotifications', data: { users: ['ceo'] }, priority: 'highest' });
console.log(`priority: ${urgent.name} has priority ${urgent.priority} ('highest'; 'normal' is 0)`);
// Advanced cron: the first Monday of each month, the last day of each month.
const firstMonday = await call('POST', 'jobs', { name: 'Monthly Review', handler: 'generateReports', schedule: '0 9 * * 1#1' });
const lastDay = await call('POST', 'jobs', { name: 'Month End', handler: 'generateReports', schedule: '0 18 L * *' });
const day = (iso: string) => `${iso.slice(0, 10)} (${new Date(iso).toUTCString().slice(0, 3)})`;
const lastOfMonth = (iso: string) => new Date(new Date(iso).getTime() + 86_400_000).getUTCDate() === 1;
console.log(`advanced cron: '0 9 * * 1#1' next ${day(firstMonday.nextRunAt)}, the first Monday; '0 18 L * *' next ${day(lastDay.nextRunAt)}, ${lastOfMonth(lastDay.nextRunAt) ? 'the last day of its month' : 'NOT THE LAST DAY'}`);
// The web UI.
const page = await fetch(base);
console.log(`web UI: GET / → ${page.status} ${page.headers.get('content-type')}`);
// Job dependencies: fetchReport, then emailReport (with fetch's result as data), then archiveReport (ctx.followUp).
await call('POST', 'jobs', { name: 'fetchReport', data: { month: '2026-05' } });
await until(async () => (await call('GET', 'jobs?name=archiveReport&status=completed')).total === 1, 'the dependency chain');
const chain = await Promise.all(['fetchReport', 'emailReport', 'archiveReport'].map(async (n) => (await call('GET', `jobs?name=${n}`)).data[0]));
console.log(`dependencies: ${chain.map((j: any) => `${j.name} ${JSON.stringify(j.result)}`).join(' → ')}`);
// Rate limiting: 4 calls, at most 2 per 500 ms.
for (let i = 0; i < 4; i++) await call('POST', 'jobs', { name: 'callPartnerApi', data: { i } });
await until(async () => app.partnerCalls.length === 4, 'four partner calls');
const spread = app.partnerCalls[3]! - app.partnerCalls[0]!;
console.log(`rate limit: 4 calls took ${spread >= 400 ? 'at least one more window' : 'ONE WINDOW'} (2 per 500 ms)`);
// Dead-letter queue: a job failed after its attempts stays failed; requeue-failed runs it again.
const payments = await call('POST', 'jobs', { name: 'processPayments', data: { batchId: 'b-7' }, maxAttempts: 2 });
await until(async () => (await job(payments.id)).status === 'failed', 'processPayments to fail');
console.log(`processPayments: failed after ${(await job(payments.id)).attempts} attempts: ${(await job(payments.id)).lastError}`);
app.fixGateway();
console.log(`POST /jobs/requeue-failed → ${JSON.stringify(await call('POST', 'jobs/requeue-failed', { name: 'processPayments' }))}`);
await until(async () => (await job(payments.id)).status === 'completed', 'processPayments to complete');
console.log(`processPayments after requeue: completed → ${JSON.stringify((await job(payments.id)).result)}`);
// Webhooks: each completion of processPayments and emailReport was POSTed, signed.
await until(async () => app.deliveries.length >= 3, 'three webhook deliveries');
console.log(`webhooks received (signature checked): ${app.deliveries.map((d) => `${d.event} ${d.job.name} ${d.job.status}`).sort().join('; ')}`);

await app.close();
if (!process.env.HOURGLASS_STORE) for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
