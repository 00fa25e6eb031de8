/**
 * Seed 004 (a pg-boss wrapper with registerCron / registerInterval / registerDelayed), on hourglass.
 *   npx tsx examples/004-pg-boss-wrapper/src/index.ts                       SQLite files, deleted at the end
 *   HOURGLASS_STORE='postgres://postgres@127.0.0.1:5432/test?schema=example_004' npx tsx examples/004-pg-boss-wrapper/src/index.ts
 * On PostgreSQL the app's db and the job store share one pg.Pool. The modules register their jobs, the
 * intervals run at start, the cron jobs and a delayed job are triggered by hand (as the seed's tests do), and
 * the app's tables show what they did.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, storeFromUrl, type Store } from 'hourglass-jobs';
import { pgDb, sqliteDb, type Db } from './core/db.js';
import { createJobScheduler } from './core/jobs.js';
import { registerAuditJobs } from './handlers/audit/jobs/index.js';
import { registerEmailJobs } from './handlers/email/jobs/index.js';
import { registerNotificationJobs } from './handlers/notifs/jobs/index.js';

const file = join(tmpdir(), `hourglass-example-004-${process.pid}.db`);
const url = process.env.HOURGLASS_STORE || `sqlite:${file}`;
const { store, db, close } = await openDatabase(url);
await seed(db);

// JSON lines with the job's id and name on each, like the seed's pino logger.
const logger = createLogger({ level: 'info' });
const jobScheduler = createJobScheduler({ store, db, logger, retryLimit: 2, retryDelay: '100ms', retryBackoff: true });

// Registration in main (src/index.ts of the seed).
registerAuditJobs(jobScheduler);
registerEmailJobs(jobScheduler);
registerNotificationJobs(jobScheduler);
await jobScheduler.start();

// Manual triggering, as the seed's handlers and tests do.
const ids = {
  retention: await jobScheduler.trigger('audit.retention'),
  reindex: await jobScheduler.trigger('audit.reindex'),
  welcome: await jobScheduler.trigger('email.send-welcome', { userId: 'u-42' }),
};
console.log(`triggered: ${Object.keys(ids).join(', ')}`);
for (const [what, id] of Object.entries(ids)) {
  const job = await waitFor(id);
  console.log(`${job.name} (${what}): ${job.status} on attempt ${job.attempts} → ${JSON.stringify(job.result)}`);
}
for (const name of ['email.process-queue', 'notifs.cleanup']) {
  await until(async () => (await jobScheduler.scheduler.listJobs({ name }))[0]?.lastFinishedAt != null);
  console.log(`${name}: ran at start; queue size now ${await jobScheduler.getQueueSize(name)} (the next run waits for its interval)`);
}
console.log(`health: ${JSON.stringify(await jobScheduler.getHealth())}`);

const count = async (sql: string) => Number((await db.query<{ n: number | string }>(sql))[0]!.n);
console.log(
  `audit_logs: ${await count('SELECT count(*) AS n FROM audit_logs WHERE archived = 0')} active, ${await count('SELECT count(*) AS n FROM audit_logs WHERE archived = 1')} archived (3 of 5 were over a year old, 1 over seven years and purged)`,
);
console.log(`emails: ${await count('SELECT count(*) AS n FROM emails WHERE sent_at IS NOT NULL')} sent (2 queued + 1 welcome)`);
console.log(`notifications: ${await count('SELECT count(*) AS n FROM notifications')} left (2 of 3 were over 90 days old)`);

await jobScheduler.shutdown();
await close();

async function waitFor(id: string) {
  await until(async () => ['completed', 'failed'].includes((await jobScheduler.getJob(id))?.status ?? ''));
  return (await jobScheduler.getJob(id))!;
}

async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('example 004: jobs did not finish in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The store and the app's db: one shared pg.Pool on PostgreSQL; on SQLite, two files. */
async function openDatabase(storeUrl: string): Promise<{ store: Store; db: Db; close: () => Promise<void> }> {
  if (/^postgres(ql)?:/.test(storeUrl)) {
    const { default: pg } = await import('pg');
    const { PostgresStore } = await import('hourglass-jobs/postgres');
    const parsed = new URL(storeUrl);
    const schema = parsed.searchParams.get('schema') ?? 'app';
    parsed.searchParams.delete('schema');
    // The app's tables live in `schema` too (search_path); the store always names its own schema.
    const pool = new pg.Pool({ connectionString: parsed.toString(), options: `-c search_path=${schema}` });
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    return { store: new PostgresStore({ pool, schema }), db: pgDb(pool), close: () => pool.end() };
  }
  const { default: Database } = await import('better-sqlite3');
  const appFile = `${file}.app`;
  const database = new Database(process.env.HOURGLASS_STORE ? ':memory:' : appFile);
  return {
    store: await storeFromUrl(storeUrl),
    db: sqliteDb(database),
    close: async () => {
      database.close();
      if (!process.env.HOURGLASS_STORE) for (const f of [file, `${file}-wal`, `${file}-shm`, appFile]) rmSync(f, { force: true });
    },
  };
}

/** The app's tables, with rows of several ages. */
async function seed(app: Db): Promise<void> {
  const DAY = 86_400_000;
  const now = Date.now();
  for (const table of ['audit_logs', 'emails', 'notifications']) await app.query(`DROP TABLE IF EXISTS ${table}`);
  await app.query('CREATE TABLE audit_logs (id integer PRIMARY KEY, at bigint NOT NULL, archived integer NOT NULL DEFAULT 0)');
  await app.query('CREATE TABLE emails (id integer PRIMARY KEY, recipient text NOT NULL, sent_at bigint)');
  await app.query('CREATE TABLE notifications (id integer PRIMARY KEY, created_at bigint NOT NULL)');
  for (const [id, days] of [[1, 10], [2, 100], [3, 400], [4, 1000], [5, 3000]] as const) {
    await app.query('INSERT INTO audit_logs (id, at) VALUES ($1, $2)', [id, now - days * DAY]);
  }
  await app.query('INSERT INTO emails (id, recipient) VALUES (1, $1), (2, $2)', ['a@example.com', 'b@example.com']);
  for (const [id, days] of [[1, 1], [2, 100], [3, 200]] as const) {
    await app.query('INSERT INTO notifications (id, created_at) VALUES ($1, $2)', [id, now - days * DAY]);
  }
}
