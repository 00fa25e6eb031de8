/**
 * Every example in examples/ runs as a user runs it (node with tsx, importing `hourglass-jobs` through the
 * package's own name, so dist/ must be built), finishes by itself, prints what the test expects, and leaves in
 * its store what it says it did. SQLite always; the Redis (002) and PostgreSQL (004) variants when their server
 * answers (without one: a skip line locally, a failure with CI=true). The examples are type-checked too.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/core/scheduler.js';
import { silentLogger } from '../../src/core/logger.js';
import { storeFromUrl } from '../../src/core/store-url.js';
import type { Store } from '../../src/core/store.js';
import { availability, type StoreFactory } from '../conformance/factory.js';
import { adminQuery, postgresFactory } from '../stores/postgres.factory.js';
import { redisFactory } from '../stores/redis.factory.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'hourglass-examples-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ran {
  stdout: string;
  stderr: string;
  pid: number | undefined;
}

/** Run an example as its README says (npx tsx …, here node --import tsx to skip npx), with HOURGLASS_STORE when given. */
async function example(entry: string, store?: string): Promise<Ran> {
  const { HOURGLASS_STORE: _ignored, ...env } = process.env;
  const child = run(process.execPath, ['--import', 'tsx', join('examples', entry)], {
    cwd: ROOT,
    env: { ...env, ...(store ? { HOURGLASS_STORE: store } : {}) },
    timeout: 150_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  try {
    const { stdout, stderr } = await child;
    return { stdout, stderr, pid: child.child.pid };
  } catch (error) {
    const e = error as { code?: unknown; signal?: unknown; stdout?: string; stderr?: string };
    throw new Error(`examples/${entry} exited with ${String(e.code ?? e.signal)}\nstdout:\n${e.stdout}\nstderr:\n${e.stderr}`);
  }
}

/** What a store holds after an example ran, read through the library. */
async function stored(store: Store): Promise<{ s: Scheduler; done: () => Promise<void> }> {
  const s = new Scheduler({ store, logger: silentLogger });
  return { s, done: () => s.stop() };
}

function expectLines(stdout: string, patterns: RegExp[]): void {
  for (const pattern of patterns) expect(stdout, `stdout should match ${pattern}`).toMatch(pattern);
}

const EXPECTED = {
  '000': [
    /^jobs loaded from src\/jobs: email\.ts, reports\.ts, uploads\.ts$/m,
    /^↻ send email \(flaky@example\.com\) failed: SMTP server busy \(try 1\); it will retry$/m,
    /^✓ send email to user@example\.com: completed on attempt 1 of 3 → \{"delivered":"user@example\.com","subject":"Welcome!"\}$/m,
    /^✓ send email to flaky@example\.com: completed on attempt 3 of 3 /m,
    /^✓ process upload: \{"fileId":"abc123","thumbnails":2\}; spawned large and small thumbnails$/m,
    /^scheduled: daily report, heartbeat, send email, send email, sync data$/m,
    /^stopped gracefully$/m,
    /^after a restart, still scheduled: daily report, heartbeat, send email, send email, sync data$/m,
  ],
  '001': [
    /^Scheduler started$/m,
    /^Worker started: \S+$/m,
    /^daily-report: next run \d{4}-\d\d-\d\dT03:30:00\.000Z \(9:00 in Asia\/Kolkata\)$/m,
    /^dedupe: one job for email:user:123 \(id \d+\)$/m,
    /^getJob\(\d+\): cancelled$/m,
    /^Job cancelled: export \d+$/m,
    /^scheduleBulk: 3 jobs in one operation$/m,
    /^Job failed: charge-card \d+ card declined$/m,
    /^Job retrying: charge-card \d+ after attempt 1$/m,
    /^result: export \d+ cancelled$/m,
    /^result: charge-card \d+ failed \(card declined\)$/m,
    /^Job done: cleanup-logs \d+ \{"deleted":3\}$/m,
    /^two instances, 20 jobs: each ran once \(first ran \d+, second ran \d+\)$/m,
    /^Scheduler stopped$/m,
  ],
  '002': [
    /^registered user-jobs\/send-notifications: 0 9 \* \* \* \(query → send-notifications:item\)$/m,
    /^send-notifications: the query stored \{"batches":1,"items":3\}; 3 item jobs completed, 0 failed$/m,
    /^process-pending: the query stored \{"batches":1,"items":2\}; 2 item jobs completed, 0 failed$/m,
    /^process-millions: the query stored \{"batches":3,"items":250\}; 250 item jobs completed, 0 failed$/m,
    /^emails sent: user1@example\.com: Daily Update, user2@example\.com: Daily Update, user3@example\.com: Daily Update$/m,
    /^orders processed: 101, 102 \(102 after a retry\)$/m,
    /^cleanup: \{"skipped":"critical-job is locked"\}$/m,
    /^cleanup: \{"cleaned":true\}$/m,
    /^check-queues: \{"waiting":0\}$/m,
    /^paused: send-notifications, send-notifications:item$/m,
  ],
  '003': [
    /^POST \/jobs → Daily Cleanup \(cleanupOldRecords\) #\d+: pending, next \d{4}-\d\d-\d\dT00:00:00\.000Z$/m,
    /^one-time job Process Upload: completed → \{"fileId":"abc123","processed":true\}$/m,
    /^GET \/jobs\?status=pending → 2: Daily Cleanup, Sync External Data$/m,
    /^PUT \/jobs\/\d+ → schedule \*\/10 \* \* \* \*, maxAttempts 5$/m,
    /^history of Daily Cleanup: 2 runs, results \{"deleted":42,"olderThanDays":30\}, average under a second, failure rate 0%$/m,
    /^a job created while stopped: pending$/m,
    /^after start: completed$/m,
    /^DELETE \/jobs\/\d+ → GET answers 404$/m,
    /^priority: Urgent Digest has priority 20 /m,
    /^advanced cron: '0 9 \* \* 1#1' next \d{4}-\d\d-0[1-7] \(Mon\), the first Monday; '0 18 L \* \*' next \S+ \(\w+\), the last day of its month$/m,
    /^web UI: GET \/ → 200 text\/html/m,
    /^dependencies: fetchReport \{"rows":128,"month":"2026-05"\} → emailReport \{"emailed":"report of 128 rows"\} → archiveReport \{"archived":"2026-05"\}$/m,
    /^rate limit: 4 calls took at least one more window \(2 per 500 ms\)$/m,
    /^processPayments: failed after 2 attempts: payment gateway unavailable$/m,
    /^POST \/jobs\/requeue-failed → \{"requeued":1\}$/m,
    /^processPayments after requeue: completed → \{"processed":3,"batchId":"b-7"\}$/m,
    /^webhooks received \(signature checked\): job:complete emailReport completed; job:complete processPayments completed; job:complete processPayments failed$/m,
  ],
  '004': [
    /^triggered: retention, reindex, welcome$/m,
    /^audit\.retention \(retention\): completed on attempt 1 → \{"archived":3,"purged":1\}$/m,
    /^audit\.reindex \(reindex\): completed on attempt 2 → \{"reindexed":true\}$/m,
    /^email\.send-welcome \(welcome\): completed on attempt 1 → \{"welcomed":"u-42"\}$/m,
    /^health: \{"healthy":true,"queueSize":\d+\}$/m,
    /^audit_logs: 2 active, 2 archived /m,
    /^emails: 3 sent /m,
    /^notifications: 1 left /m,
  ],
};

// Each test runs node with tsx; on a loaded CI machine that alone can take many seconds.
const LIMIT = { timeout: 180_000 };

describe.concurrent('examples on the embedded store (SQLite)', LIMIT, () => {
  it('000 Pulse-style src/jobs: retries, spawned jobs, a restart; cleans up its SQLite file', async () => {
    const { stdout, stderr, pid } = await example('000-pulse-jobs/main.ts');
    expectLines(stdout, EXPECTED['000']);
    expect(stderr).toMatch(/INFO {2}sending {2}jobId=\d+ jobName=send email attempt=1 to=user@example\.com/); // ctx.logger.info shows
    expect(existsSync(join(tmpdir(), `hourglass-example-000-${pid}.db`))).toBe(false);
  });

  it('001 mongo-job-scheduler service: events, cron with a time zone, interval, dedupe, cancel, bulk, two instances', async () => {
    const url = `sqlite:${join(dir, '001.db')}`;
    const { stdout } = await example('001-mongo-job-scheduler/main.ts', url);
    expectLines(stdout, EXPECTED['001']);
    const { s, done } = await stored(await storeFromUrl(url));
    try {
      expect((await s.listJobs({ name: 'tally', status: 'completed', limit: 100 })).length).toBe(20);
      const [report] = await s.listJobs({ name: 'daily-report' });
      expect(report).toMatchObject({ status: 'pending', repeat: { cron: '0 9 * * *', timezone: 'Asia/Kolkata' }, data: { type: 'report' } });
      expect((await s.listJobs({ name: 'email', status: 'cancelled' })).map((j) => j.dedupeKey)).toEqual(['email:user:123']);
    } finally {
      await done();
    }
  });

  it('002 decorator groups on SQLite: query fan-out, DI, locks', async () => {
    const { stdout } = await example('002-decorator-groups/main.ts', `sqlite:${join(dir, '002.db')}`);
    expectLines(stdout, EXPECTED['002']);
  });

  it('003 the REST jobs plugin over HTTP, with the future enhancements', async () => {
    const url = `sqlite:${join(dir, '003.db')}`;
    const { stdout } = await example('003-rest-jobs-plugin/main.ts', url);
    expectLines(stdout, EXPECTED['003']);
    const { s, done } = await stored(await storeFromUrl(url));
    try {
      const [payments] = await s.listJobs({ name: 'processPayments' });
      expect((await s.history(payments!.id)).map((h) => h.status)).toEqual(['failed', 'failed', 'completed']);
      expect((await s.listJobs({ name: 'hourglass:webhook', status: 'completed' })).length).toBe(3);
    } finally {
      await done();
    }
  });

  it('004 pg-boss wrapper on SQLite: registerCron, registerInterval, registerDelayed, a shared db', async () => {
    const url = `sqlite:${join(dir, '004.db')}`;
    const { stdout, stderr } = await example('004-pg-boss-wrapper/src/index.ts', url);
    expectLines(stdout, EXPECTED['004']);
    expect(stderr).toMatch(/"msg":"Audit retention complete","jobId":"\d+","jobName":"audit\.retention","attempt":1,"archived":3,"purged":1/);
  });

  it('type-check against the built package (npx tsc -p examples)', async () => {
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'examples'], { cwd: ROOT, timeout: 150_000 }).catch((error: { stdout?: string }) => {
      throw new Error(`examples do not type-check:\n${error.stdout}`);
    });
  });
});

async function describeServer(factory: StoreFactory, body: (create: StoreFactory['create']) => void): Promise<void> {
  const { skip } = await availability(factory);
  describe.skipIf(skip).concurrent(`examples on ${factory.kind}`, LIMIT, () => body(() => factory.create()));
}

await describeServer(redisFactory, (create) => {
  it('002 decorator groups on Redis, sharing the app\'s ioredis client', async () => {
    const created = await create();
    try {
      const { stdout } = await example('002-decorator-groups/main.ts', created.url);
      expectLines(stdout, EXPECTED['002']);
      const { s, done } = await stored(created.store);
      try {
        expect((await s.countJobs('process-millions:item')).completed).toBe(250);
      } finally {
        await done();
      }
    } finally {
      await created.cleanup();
    }
  });
});

await describeServer(postgresFactory, (create) => {
  it('004 pg-boss wrapper on PostgreSQL: the job store and the app\'s tables on one pg.Pool', async () => {
    const created = await create();
    try {
      const { stdout } = await example('004-pg-boss-wrapper/src/index.ts', created.url);
      expectLines(stdout, EXPECTED['004']);
      const { s, done } = await stored(created.store);
      try {
        const names = (await s.listJobs({ limit: 100 })).map((j) => j.name).sort();
        expect(names).toEqual(expect.arrayContaining(['audit.reindex', 'audit.retention', 'email.process-queue', 'email.send-welcome', 'notifs.cleanup']));
        const schema = new URL(created.url).searchParams.get('schema')!;
        const [audit] = await adminQuery<{ active: string; archived: string }>(
          `SELECT count(*) FILTER (WHERE archived = 0) AS active, count(*) FILTER (WHERE archived = 1) AS archived FROM "${schema}".audit_logs`,
        );
        expect(audit).toEqual({ active: '2', archived: '2' });
      } finally {
        await done();
      }
    } finally {
      await created.cleanup();
    }
  });
});
