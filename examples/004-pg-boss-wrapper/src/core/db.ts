/**
 * The app's database handle (the seed's Drizzle instance, reduced to one method). On PostgreSQL it runs on the
 * same pg.Pool as the job store: no extra connections, as the seed's wrapper did with pg-boss. On SQLite it is
 * a database of its own beside the store's file.
 */
export interface Db {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

/** pg: `$1` parameters as they are. */
export function pgDb(pool: { query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }> }): Db {
  return { query: async <T>(text: string, params: unknown[] = []) => (await pool.query(text, params)).rows as T[] };
}

/** better-sqlite3: `$1`, `$2` become `?` (every statement here uses its parameters in order). */
export function sqliteDb(database: { prepare(sql: string): { reader: boolean; all(...p: unknown[]): unknown[]; run(...p: unknown[]): unknown } }): Db {
  return {
    query: async <T>(text: string, params: unknown[] = []) => {
      const statement = database.prepare(text.replace(/\$\d+/g, '?'));
      return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as T[];
    },
  };
}
