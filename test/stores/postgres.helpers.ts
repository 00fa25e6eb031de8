/** Small builders shared by the PostgreSQL store tests. */
import type { NewJob } from '../../src/core/store.js';
import { newJob as contractJob } from '../conformance/store-contract.js';
import { silentLogger } from '../../src/core/logger.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import pg from 'pg';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { PG_URL, adminQuery, dropSchema, randomSchema } from './postgres.factory.js';

export const T0 = 1_700_000_000_000;

/** The conformance suite's job, named, with no data, due at this file's T0. */
export function newJob(name: string, extra: Partial<NewJob> = {}): NewJob {
  return contractJob({ name, data: null, dueAt: T0, nextRunAt: T0, ...extra });
}

/**
 * Copy stored job `id` `count` times in one INSERT (the big tables of the plan tests): every column but the id
 * from the job, except those `set` gives as SQL expressions, which may use `g` (1..count): e.g.
 * `{ next_run_at: `${T0} - g` }`.
 */
export async function copyJob(schema: string, id: string, count: number, set: Record<string, string> = {}): Promise<void> {
  const columns = (
    await adminQuery<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'jobs' AND column_name <> 'id' ORDER BY ordinal_position`,
      [schema],
    )
  ).map((c) => c.name);
  await adminQuery(
    `INSERT INTO "${schema}".jobs (${columns.map((c) => `"${c}"`).join(', ')})
     SELECT ${columns.map((c) => set[c] ?? `t."${c}"`).join(', ')}
     FROM "${schema}".jobs t CROSS JOIN generate_series(1, $2::int) AS g WHERE t.id = $1`,
    [id, count],
  );
}

/** A store on `schema` with its own small pool, initialised (migrated). */
export async function openStore(schema: string, poolSize = 2): Promise<PostgresStore> {
  const store = new PostgresStore({ connectionString: PG_URL, schema, poolSize });
  await store.init({ logger: silentLogger });
  return store;
}

/**
 * For a describe block: fresh() names a new schema, open() gives an initialised store on one (a fresh one by
 * default), keep() takes a store made by hand; after the block every store is closed and every schema dropped.
 */
export function usePostgresStores(): {
  fresh(): string;
  open(schema?: string, poolSize?: number): Promise<PostgresStore>;
  keep(...made: PostgresStore[]): void;
} {
  const schemas: string[] = [];
  const stores: PostgresStore[] = [];
  const fresh = () => {
    const schema = randomSchema();
    schemas.push(schema);
    return schema;
  };
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    for (const schema of schemas) await dropSchema(schema);
  });
  return {
    fresh,
    async open(schema = fresh(), poolSize = 2) {
      const store = await openStore(schema, poolSize);
      stores.push(store);
      return store;
    },
    keep(...made) {
      stores.push(...made);
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * A store on a fresh schema and a second session on the same server, for tests that hold a transaction open in
 * `other` beside the store (races reproduced without sleeps). Registers the describe's hooks: open both, roll
 * `other` back after each test, close both and drop the schema at the end.
 */
export function useStoreAndSession(poolSize = 2): { readonly schema: string; store: PostgresStore; other: pg.Client } {
  const t = { schema: randomSchema() } as { schema: string; store: PostgresStore; other: pg.Client };
  beforeAll(async () => {
    t.store = await openStore(t.schema, poolSize);
    t.other = new pg.Client({ connectionString: PG_URL });
    await t.other.connect();
  });
  afterEach(async () => {
    await t.other.query('ROLLBACK').catch(() => undefined);
  });
  afterAll(async () => {
    await t.other?.end();
    await t.store?.close();
    await dropSchema(t.schema);
  });
  return t;
}

/**
 * For a plan test's describe block: a store on a fresh schema and a client of its own on the same server, which
 * plans as the store's pool does (generic plans, JIT off) unless `pool` is false. Registers the hooks: open both
 * before the block's own beforeAll (registered after this), close both and drop the schema at the end.
 */
export function usePlanSchema(pool = true): { readonly schema: string; store: PostgresStore; client: pg.Client } {
  const t = { schema: randomSchema() } as { schema: string; store: PostgresStore; client: pg.Client };
  beforeAll(async () => {
    t.store = new PostgresStore({ connectionString: PG_URL, schema: t.schema });
    await t.store.init({ logger: silentLogger });
    t.client = new pg.Client({ connectionString: PG_URL, ...(pool ? { options: '-c plan_cache_mode=force_generic_plan -c jit=off' } : {}) });
    await t.client.connect();
  });
  afterAll(async () => {
    await t.client?.end();
    await t.store?.close();
    await dropSchema(t.schema);
  });
  return t;
}
