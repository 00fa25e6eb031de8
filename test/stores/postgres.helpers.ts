/** Small builders shared by the PostgreSQL store tests. */
import type { NewJob } from '../../src/core/store.js';
import { silentLogger } from '../../src/core/logger.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { PG_URL } from './postgres.factory.js';

export const T0 = 1_700_000_000_000;

export function newJob(name: string, extra: Partial<NewJob> = {}): NewJob {
  return {
    name,
    data: null,
    priority: 0,
    maxAttempts: null,
    backoff: null,
    timeoutMs: null,
    repeat: null,
    repeatKey: null,
    dedupeKey: null,
    dueAt: T0,
    nextRunAt: T0,
    ...extra,
  };
}

/** A store on `schema` with its own small pool, initialised (migrated). */
export async function openStore(schema: string, poolSize = 2): Promise<PostgresStore> {
  const store = new PostgresStore({ connectionString: PG_URL, schema, poolSize });
  await store.init({ logger: silentLogger });
  return store;
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
