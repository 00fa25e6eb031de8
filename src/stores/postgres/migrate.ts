/**
 * Numbered, append-only migrations (migrations/NNN_name.sql). All pending versions are applied in ONE
 * transaction that first takes a transaction-scoped advisory lock keyed on the schema: processes booting at
 * once queue on that lock, and each reads the migrations table only after it holds it (READ COMMITTED gives
 * that read a fresh snapshot), so the first applies every version and the others find nothing left to do.
 * DDL is transactional in PostgreSQL: a failing version leaves the schema exactly as it was.
 * Once every version is applied, the same transaction (re)installs the functions built from functions/ whose
 * text changed (functions.ts), so they always match this code's statement files.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { listMigrations } from '../../core/assets.js';
import type { MigrationStatus } from '../../core/store.js';
import { installFunctions } from './functions.js';
import { substitute } from './sql.js';

export const MIGRATIONS = listMigrations(
  import.meta.url,
  'migrations',
  readdirSync(fileURLToPath(new URL('migrations/', import.meta.url))).filter((f) => f.endsWith('.sql')),
);
const LATEST = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** First key of the two-key advisory lock space used for migrations (the second is hashtext(schema)). */
const MIGRATION_LOCK_CLASS = 0x686f7572; // 'hour'

interface AppliedRow {
  version: number;
  name: string;
  applied_at: string | null;
}

export async function migrationStatus(pool: pg.Pool, quoted: string): Promise<MigrationStatus> {
  // Asking must not create anything: a schema never migrated reports every version as pending.
  const exists = await pool.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [`${quoted}.migrations`]);
  const rows = exists.rows[0]?.found
    ? (await pool.query<AppliedRow>(`SELECT version, name, applied_at FROM ${quoted}.migrations ORDER BY version`)).rows
    : [];
  return statusOf(rows);
}

/**
 * Apply every pending version up to `upTo` (tests stop early to build an old schema: the functions are then
 * left as those versions made them, since this code's statements presume the latest schema).
 */
export async function migrate(pool: pg.Pool, schema: string, quoted: string, upTo = Infinity): Promise<MigrationStatus> {
  const client = await pool.connect();
  let failed: Error | undefined;
  // A connection lost meanwhile emits 'error' on the client, unheard by the pool while it is handed out.
  const lost = (error: Error): void => void (failed ??= error);
  client.on('error', lost);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`,
    );
    const done = new Set((await client.query<{ version: number }>(`SELECT version FROM ${quoted}.migrations`)).rows.map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (done.has(m.version) || m.version > upTo) continue;
      await client.query(substitute(m.sql, quoted));
      await client.query(`INSERT INTO ${quoted}.migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [
        m.version,
        m.name,
        Date.now(),
      ]);
    }
    // A version we do not know was applied by a newer hourglass: its functions are newer than ours.
    const ahead = [...done].some((v) => v > LATEST);
    if (upTo >= LATEST && !ahead) await installFunctions(client, quoted, Date.now());
    const rows = (await client.query<AppliedRow>(`SELECT version, name, applied_at FROM ${quoted}.migrations ORDER BY version`)).rows;
    await client.query('COMMIT');
    return statusOf(rows);
  } catch (error) {
    failed = error as Error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    // A client whose transaction failed may be broken (server gone): discard it instead of pooling it.
    client.off('error', lost);
    client.release(failed);
  }
}

function statusOf(rows: AppliedRow[]): MigrationStatus {
  const applied = new Set(rows.map((r) => r.version));
  return {
    applied: rows.map((r) => ({ version: r.version, name: r.name, appliedAt: r.applied_at === null ? null : Number(r.applied_at) })),
    pending: MIGRATIONS.filter((m) => !applied.has(m.version)).map(({ version, name }) => ({ version, name })),
  };
}
