/**
 * Conformance factory for PostgresStore: every create() gets a fresh random schema on the test server, and a
 * URL (postgres://…?schema=…) that storeFromUrl opens on the same data. cleanup() drops the schema.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import type { CreatedStore, StoreFactory } from '../conformance/factory.js';

export const PG_URL = process.env.HOURGLASS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function randomSchema(): string {
  return `hg_test_${randomBytes(6).toString('hex')}`;
}

export function urlFor(schema: string): string {
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** Run one statement on a short-lived connection (setup, inspection, cleanup). */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

export const postgresFactory: StoreFactory = {
  kind: 'postgres',
  async unavailable() {
    try {
      await adminQuery('SELECT 1');
      return null;
    } catch (error) {
      return `PostgreSQL at ${new URL(PG_URL).host} does not answer (${(error as Error).message.split('\n')[0]})`;
    }
  },
  async create(): Promise<CreatedStore> {
    const schema = randomSchema();
    return {
      store: new PostgresStore({ connectionString: PG_URL, schema, poolSize: 4 }),
      url: urlFor(schema),
      cleanup: () => dropSchema(schema),
    };
  },
};
