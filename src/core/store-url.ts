/**
 * storeFromUrl: open a store from a URL, loading only the driver that store needs.
 *   sqlite:./file.db   sqlite::memory:   postgres://user@host/db?schema=name   redis://host:6379?prefix=name
 */
import { ValidationError } from './errors.js';
import type { Store } from './store.js';

export async function storeFromUrl(url: string): Promise<Store> {
  if (typeof url !== 'string' || url === '') throw new ValidationError('store', url, 'must be a store URL such as sqlite:./hourglass.db');
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') throw new ValidationError('store', url, 'sqlite: needs a file path or :memory:');
    const { SqliteStore } = await import('../stores/sqlite/index.js');
    return new SqliteStore({ path });
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    const { PostgresStore } = await import('../stores/postgres/index.js');
    return new PostgresStore({ connectionString: parsed.toString(), ...(schema ? { schema } : {}) });
  }
  if (/^rediss?:\/\//.test(url)) {
    const parsed = new URL(url);
    const prefix = parsed.searchParams.get('prefix') ?? undefined;
    parsed.searchParams.delete('prefix');
    const { RedisStore } = await import('../stores/redis/index.js');
    return new RedisStore({ url: parsed.toString(), ...(prefix ? { prefix } : {}) });
  }
  throw new ValidationError('store', url, 'unknown store URL scheme: use sqlite:, postgres:// or redis://');
}
