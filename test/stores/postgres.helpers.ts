/** Small builders shared by the PostgreSQL store tests. */
import type { NewJob } from '../../src/core/store.js';
import { newJob as contractJob } from '../conformance/store-contract.js';
import { silentLogger } from '../../src/core/logger.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { PG_URL } from './postgres.factory.js';

export const T0 = 1_700_000_000_000;

/** The conformance suite's job, named, with no data, due at this file's T0. */
export function newJob(name: string, extra: Partial<NewJob> = {}): NewJob {
  return contractJob({ name, data: null, dueAt: T0, nextRunAt: T0, ...extra });
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
