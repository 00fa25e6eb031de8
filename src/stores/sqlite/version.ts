/**
 * The oldest SQLite the store's statements run on: 3.45 brought jsonb_each, which settle.sql, insert-history.sql
 * and insert-plain.sql read their batches with (UPDATE … FROM needs 3.33, `->>` 3.38). better-sqlite3 ^12 bundles a
 * newer one; only a driver built against an older system SQLite is refused, when the store opens, by name.
 */
export const MIN_SQLITE_VERSION = '3.45.0';

/** Whether `version` ("3.53.2") is older than MIN_SQLITE_VERSION. */
export function sqliteTooOld(version: string): boolean {
  const have = version.split('.').map(Number);
  const need = MIN_SQLITE_VERSION.split('.').map(Number);
  for (let i = 0; i < need.length; i++) {
    const a = have[i] ?? 0;
    if (a !== need[i]) return a < need[i]!;
  }
  return false;
}
