/**
 * PostgresStore behind a real PgBouncer (scripts/services.sh: port 6432, database test_tx in transaction
 * pooling mode, test_session in session mode). Transaction mode runs the store and scheduler contracts, with
 * wake-ups on a direct LISTEN connection; then what breaks without the options, said clearly.
 * Without PgBouncer a developer gets one skip line; in CI (CI=true) the run fails instead.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/core/scheduler.js';
import { availability, type StoreFactory } from '../conformance/factory.js';
import { describeSchedulerContract } from '../conformance/scheduler-contract.js';
import { describeStoreContract } from '../conformance/store-contract.js';
import { waitUntil } from '../conformance/helpers.js';
import { recordingLogger } from '../support/logger.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { PG_URL, adminQuery, dropSchema, randomSchema } from './postgres.factory.js';
import { usePostgresStores } from './postgres.helpers.js';
import pg from 'pg';

const BOUNCER = process.env.HOURGLASS_PGBOUNCER_URL ?? 'postgres://postgres@127.0.0.1:6432';
const TX_URL = `${BOUNCER}/test_tx`;
const SESSION_URL = `${BOUNCER}/test_session`;

function urlFor(base: string, schema: string, poolMode: 'transaction' | 'session', listen: boolean): string {
  const url = new URL(base);
  url.searchParams.set('schema', schema);
  url.searchParams.set('poolMode', poolMode);
  if (listen) url.searchParams.set('listen', PG_URL);
  return url.toString();
}

async function bouncerAnswers(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return `PgBouncer at ${new URL(url).host} does not answer (${(error as Error).message.split('\n')[0]})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const transactionFactory: StoreFactory = {
  kind: 'postgres via pgbouncer (transaction pooling)',
  unavailable: () => bouncerAnswers(TX_URL),
  async create() {
    const schema = randomSchema();
    return {
      store: new PostgresStore({ connectionString: TX_URL, schema, poolSize: 4, poolMode: 'transaction', listenConnectionString: PG_URL }),
      url: urlFor(TX_URL, schema, 'transaction', true),
      cleanup: () => dropSchema(schema),
    };
  },
};

await describeStoreContract(transactionFactory);
await describeSchedulerContract(transactionFactory);

const { skip } = await availability({ ...transactionFactory, kind: 'postgres via pgbouncer' });

describe.skipIf(skip)('PostgresStore behind PgBouncer', () => {
  // Registered first, so its afterAll (dropping the schemas) runs after the one below (vitest runs them as a stack).
  const { fresh } = usePostgresStores();
  const schedulers: Scheduler[] = [];
  afterAll(async () => {
    await Promise.all(schedulers.map((s) => s.close().catch(() => undefined)));
  });

  it('transaction pooling: concurrent bulk inserts all go in, each job runs once', async () => {
    const store = new PostgresStore({ connectionString: TX_URL, schema: fresh(), poolSize: 8, poolMode: 'transaction' });
    const scheduler = new Scheduler({ store, logger: recordingLogger(), pollInterval: 50, concurrency: 20 });
    schedulers.push(scheduler);
    const ran = new Map<number, number>();
    scheduler.define('count', async (job) => {
      const n = (job.data as { n: number }).n;
      ran.set(n, (ran.get(n) ?? 0) + 1);
    });
    // Twelve bulk inserts at once, each on whatever server connection PgBouncer hands out.
    await Promise.all(
      Array.from({ length: 12 }, (_, b) => scheduler.scheduleBulk(Array.from({ length: 100 }, (_, i) => ({ name: 'count', data: { n: b * 100 + i } })))),
    );
    await scheduler.start();
    await waitUntil(() => ran.size === 1200, 60_000, 'all 1,200 jobs to run');
    expect([...ran.values()].every((times) => times === 1)).toBe(true);
  });

  it('transaction pooling: wake-ups arrive on the direct LISTEN connection', async () => {
    const schema = fresh();
    const worker = new Scheduler({
      store: new PostgresStore({ connectionString: TX_URL, schema, poolMode: 'transaction', listenConnectionString: PG_URL }),
      logger: recordingLogger(),
      pollInterval: 60_000, // only a wake-up can start the job in time
    });
    const producer = new Scheduler({ store: new PostgresStore({ connectionString: TX_URL, schema, poolMode: 'transaction' }), logger: recordingLogger() });
    schedulers.push(worker, producer);
    let started = false;
    worker.define('ping', async () => {
      started = true;
    });
    await worker.start();
    await producer.now('ping', null);
    await waitUntil(() => started, 10_000, 'the job to start on a wake-up');
  });

  it('transaction pooling without a direct LISTEN connection: says wake-ups are off, and jobs still run on the poll', async () => {
    const logger = recordingLogger();
    const scheduler = new Scheduler({ store: new PostgresStore({ connectionString: TX_URL, schema: fresh(), poolMode: 'transaction' }), logger, pollInterval: 100 });
    schedulers.push(scheduler);
    let ran = false;
    scheduler.define('poll', async () => {
      ran = true;
    });
    await scheduler.start();
    await scheduler.now('poll', null);
    await waitUntil(() => ran, 10_000, 'the job to run on a poll');
    expect(logger.records.filter((e) => e.level === 'warn' && /wake-ups are off/.test(e.msg))).toHaveLength(1);
  });

  it('a pooler not declared: the startup options are refused with an error that names poolMode', async () => {
    const store = new PostgresStore({ connectionString: TX_URL, schema: fresh() });
    const error = await store.init({ logger: recordingLogger() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_ERROR', message: expect.stringMatching(/unsupported startup parameter: options.*poolMode/) });
    await store.close();
  });

  it('a pooler in transaction mode declared as nothing but session: the wake-up probe warns that NOTIFY does not come back', async () => {
    // poolMode 'session' keeps named statements and LISTEN; pointing it at the transaction pool is the
    // misconfiguration the probe exists for.
    const logger = recordingLogger();
    const scheduler = new Scheduler({ store: new PostgresStore({ connectionString: TX_URL, schema: fresh(), poolMode: 'session' }), logger, pollInterval: 100 });
    schedulers.push(scheduler);
    scheduler.define('x', async () => undefined);
    await scheduler.start();
    await waitUntil(() => logger.records.some((e) => e.level === 'warn' && /wake-ups are not arriving/.test(e.msg)), 15_000, 'the probe to warn');
  });

  it('session pooling: works as a direct connection, wake-ups included, and the probe stays quiet', async () => {
    const schema = fresh();
    const logger = recordingLogger();
    const worker = new Scheduler({ store: new PostgresStore({ connectionString: SESSION_URL, schema, poolMode: 'session' }), logger, pollInterval: 60_000 });
    const producer = new Scheduler({ store: new PostgresStore({ connectionString: SESSION_URL, schema, poolMode: 'session' }), logger: recordingLogger() });
    schedulers.push(worker, producer);
    let started = false;
    worker.define('ping', async () => {
      started = true;
    });
    await worker.start();
    await producer.now('ping', null);
    await waitUntil(() => started, 10_000, 'the job to start on a wake-up');
    // The handler has started; its outcome is settled just after (the settle's own round trip).
    const completed = async () => (await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".jobs WHERE status = 'completed'`))[0]!.n === '1';
    await waitUntil(completed, 10_000, 'the job to be recorded completed');
    expect(logger.records.filter((e) => e.level === 'warn')).toEqual([]);
  });
});
