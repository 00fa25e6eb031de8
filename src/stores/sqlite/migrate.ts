/**
 * Numbered, append-only migrations (migrations/NNN_name.sql), each applied once inside a BEGIN IMMEDIATE
 * transaction: SQLite's write lock serialises processes racing to migrate the same file, and the applied
 * check runs inside that lock, so each version is applied exactly once.
 */
import type Database from 'better-sqlite3';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { listMigrations } from '../../core/assets.js';
import type { MigrationStatus } from '../../core/store.js';

const MIGRATIONS = listMigrations(
  import.meta.url,
  'migrations',
  readdirSync(fileURLToPath(new URL('migrations/', import.meta.url))).filter((f) => f.endsWith('.sql')),
);

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS hourglass_migrations (
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`;

export function migrationStatus(db: Database.Database): MigrationStatus {
  db.exec(CREATE_TABLE);
  const rows = db.prepare('SELECT version, name, applied_at FROM hourglass_migrations ORDER BY version').all() as {
    version: number;
    name: string;
    applied_at: number;
  }[];
  const applied = new Set(rows.map((r) => r.version));
  return {
    applied: rows.map((r) => ({ version: r.version, name: r.name, appliedAt: r.applied_at })),
    pending: MIGRATIONS.filter((m) => !applied.has(m.version)).map(({ version, name }) => ({ version, name })),
  };
}

export function migrate(db: Database.Database, upTo = Infinity): MigrationStatus {
  db.exec(CREATE_TABLE);
  const apply = db.transaction(() => {
    const done = new Set(
      (db.prepare('SELECT version FROM hourglass_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    for (const m of MIGRATIONS) {
      if (done.has(m.version) || m.version > upTo) continue;
      if (m.sql.includes('writable_schema')) editSchema(db, m.sql);
      else db.exec(m.sql);
      db.prepare('INSERT INTO hourglass_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    }
  });
  apply.immediate();
  return migrationStatus(db);
}

/**
 * A migration that edits a table's text in sqlite_schema (012: a CHECK widened, see that file): better-sqlite3
 * opens connections in SQLite's defensive mode, which forbids it, so that mode is off for this one statement
 * list; then schema_version is bumped, as SQLite's documented procedure says, so every connection (this one
 * included) reloads the schema before its next statement.
 */
function editSchema(db: Database.Database, sql: string): void {
  const end = 'PRAGMA writable_schema = OFF;';
  const cut = sql.indexOf(end) + end.length;
  if (cut < end.length) throw new Error('a migration that sets writable_schema must end that part with PRAGMA writable_schema = OFF;');
  const version = db.pragma('schema_version', { simple: true }) as number;
  db.unsafeMode(true);
  try {
    db.exec(sql.slice(0, cut));
    // Before any other statement: ALTER TABLE works from the parsed schema, which must be the edited one.
    db.pragma(`schema_version = ${version + 1}`);
  } finally {
    db.unsafeMode(false);
  }
  db.exec(sql.slice(cut));
}
