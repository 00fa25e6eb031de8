/**
 * storeFromUrl: open a store from a URL, loading only the driver that store needs.
 *   sqlite:./file.db   sqlite::memory:   postgres://user@host/db?schema=name   redis://host:6379?prefix=name
 *   redis+cluster://host:7000,host:7001?prefix=name   redis+sentinel://host:26379,host:26380/mastername?prefix=name
 *   postgres://…?poolMode=transaction&listen=<a direct postgres:// URL, encoded>   (behind PgBouncer)
 * A driver that is not installed gives a DriverMissingError naming the package to install, never Node's bare
 * ERR_MODULE_NOT_FOUND.
 */
import { createRequire } from 'node:module';
import { HourglassError, ValidationError } from './errors.js';
import type { Store } from './store.js';

/** The database drivers hourglass loads, each only through the entry point of its store. */
export type DriverName = 'better-sqlite3' | 'pg' | 'ioredis';

const ENTRY: Record<DriverName, string> = {
  'better-sqlite3': 'hourglass-jobs/sqlite',
  pg: 'hourglass-jobs/postgres',
  ioredis: 'hourglass-jobs/redis',
};

const INSTALL: Record<DriverName, string> = {
  'better-sqlite3': 'npm install better-sqlite3',
  pg: 'npm install pg (and npm install -D @types/pg for TypeScript)',
  ioredis: 'npm install ioredis',
};

/** A store's driver package is not installed. `driver` is the package to install; code DRIVER_MISSING. */
export class DriverMissingError extends HourglassError {
  readonly driver: DriverName;
  constructor(driver: DriverName, options?: { cause?: unknown }) {
    super('DRIVER_MISSING', `${ENTRY[driver]} needs the "${driver}" package, which is not installed: ${INSTALL[driver]}`, options);
    this.driver = driver;
  }
}

/**
 * Run `load` (a dynamic import of the driver, or of a store module that imports it) and turn "Cannot find
 * package '<driver>'" into a DriverMissingError. Any other failure passes through unchanged.
 */
export async function importDriver<T>(driver: DriverName, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (missingPackage(error) === driver) throw new DriverMissingError(driver, { cause: error });
    throw error;
  }
}

/**
 * The driver package itself, loaded synchronously (the three drivers are CommonJS), or a DriverMissingError.
 * For a store's entry point: `const pg = requireDriver<typeof import('pg')>('pg')` in place of `import pg from
 * 'pg'` makes `import 'hourglass-jobs/postgres'` without pg throw the typed error, where a static import fails
 * with ERR_MODULE_NOT_FOUND before any of our code runs. Synchronous, so no top-level await: the entry points
 * stay loadable by require() from CommonJS (Node 20.19+).
 */
export function requireDriver<T>(driver: DriverName): T {
  try {
    return createRequire(import.meta.url)(driver) as T;
  } catch (error) {
    if (missingPackage(error) === driver) throw new DriverMissingError(driver, { cause: error });
    throw error;
  }
}

/** The package an ERR_MODULE_NOT_FOUND (ESM) or MODULE_NOT_FOUND (require) error says is missing. */
function missingPackage(error: unknown): string | null {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if ((code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') || typeof message !== 'string') return null;
  return /Cannot find (?:package|module) '((?:@[^/']+\/)?[^/']+)/.exec(message)?.[1] ?? null;
}

export async function storeFromUrl(url: string): Promise<Store> {
  if (typeof url !== 'string' || url === '') throw new ValidationError('store', url, 'must be a store URL such as sqlite:./hourglass.db');
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') throw new ValidationError('store', url, 'sqlite: needs a file path or :memory:');
    // better-sqlite3 would take the whole text as the file's name ('jobs.db?mode=wal' beside 'jobs.db').
    if (/[?#]/.test(path)) throw new ValidationError('store', url, 'sqlite: takes a file path and no options (a ? or # would become part of the file name; pass new SqliteStore({ path }) for such a name)');
    const { SqliteStore } = await importDriver('better-sqlite3', () => import('../stores/sqlite/index.js'));
    return new SqliteStore({ path });
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const parsed = parse(url);
    // hourglass's own parameters; the rest of the URL is the driver's.
    const own = (key: string) => {
      const value = parsed.searchParams.get(key) ?? undefined;
      parsed.searchParams.delete(key);
      return value;
    };
    const schema = own('schema');
    const poolMode = own('poolMode') as 'transaction' | 'session' | undefined;
    const listenConnectionString = own('listen');
    const { PostgresStore } = await importDriver('pg', () => import('../stores/postgres/index.js'));
    return new PostgresStore({
      connectionString: parsed.toString(),
      // Given empty, it is refused by the store (naming it), not replaced by the default.
      ...(schema !== undefined ? { schema } : {}),
      ...(poolMode !== undefined ? { poolMode } : {}),
      ...(listenConnectionString !== undefined ? { listenConnectionString } : {}),
    });
  }
  if (/^rediss?:\/\//.test(url)) {
    const parsed = parse(url);
    const prefix = parsed.searchParams.get('prefix') ?? undefined;
    parsed.searchParams.delete('prefix');
    const { RedisStore } = await importDriver('ioredis', () => import('../stores/redis/index.js'));
    return new RedisStore({ url: parsed.toString(), ...(prefix !== undefined ? { prefix } : {}) });
  }
  if (/^rediss?\+(cluster|sentinel):\/\//.test(url)) {
    // Several hosts (redis+cluster://a:7000,b:7001, redis+sentinel://a:26379,b:26380/name) are no WHATWG URL:
    // only the query is parsed here, the rest is RedisStore's (connection.ts parseRedisUrl).
    const at = url.indexOf('?');
    const params = new URLSearchParams(at === -1 ? '' : url.slice(at + 1));
    const prefix = params.get('prefix') ?? undefined;
    // Nothing else is passed on to the connections: an option such as ?db=2 would otherwise be dropped unsaid.
    const other = [...params.keys()].filter((key) => key !== 'prefix');
    if (other.length > 0) throw new ValidationError('store', masked(url), `takes no query option but prefix (got ${other.join(', ')})`);
    const { RedisStore } = await importDriver('ioredis', () => import('../stores/redis/index.js'));
    return new RedisStore({ url: at === -1 ? url : url.slice(0, at), ...(prefix !== undefined ? { prefix } : {}) });
  }
  throw new ValidationError('store', url, 'unknown store URL scheme: use sqlite:, postgres:// or redis://');
}

function parse(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new ValidationError('store', masked(url), 'is not a valid URL');
  }
}

/** A store URL with its password masked, for messages (storeFromUrl's errors, the Redis store's, the CLI's). */
export function masked(url: string): string {
  return url.replace(/\/\/([^:/@]*):([^@]+)@/, '//$1:***@');
}
