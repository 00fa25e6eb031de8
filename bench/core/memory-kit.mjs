/**
 * What the memory scripts (bulk-memory.mjs, worker-memory.mjs) share: a store of each kind on a namespace of
 * its own (a SQLite file under .tmp/, a PostgreSQL schema, a Redis key prefix), its removal, and the process's
 * memory as the kernel counts it. Plain JavaScript on the built package (dist/, through the package's own
 * name): these scripts run under plain `node`, so Node's and tsx's own memory do not blur the figures.
 * Build first: node scripts/build.mjs.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

export const PG_URL = process.env.HOURGLASS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.HOURGLASS_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh namespace name: [a-z0-9_], safe to splice into a schema name or a key pattern. */
export function namespace(tag) {
  return `hgmem_${tag}_${randomBytes(4).toString('hex')}`;
}

/** A new store of `kind` on `ns` (not yet init()ed: the Scheduler opens it). */
export async function openStore(kind, ns) {
  if (kind === 'memory') return new (await import('hourglass-jobs/memory')).MemoryStore();
  if (kind === 'sqlite') {
    mkdirSync('.tmp', { recursive: true });
    return new (await import('hourglass-jobs/sqlite')).SqliteStore({ path: `.tmp/${ns}.db` });
  }
  if (kind === 'postgres') return new (await import('hourglass-jobs/postgres')).PostgresStore({ connectionString: PG_URL, schema: ns });
  if (kind === 'redis') return new (await import('hourglass-jobs/redis')).RedisStore({ url: REDIS_URL, prefix: ns });
  throw new Error(`unknown store ${kind} (memory, sqlite, postgres, redis)`);
}

/** Remove everything `ns` holds: the file, the schema, or the prefix's keys (SCAN + UNLINK, never FLUSH*). */
export async function removeNamespace(kind, ns) {
  if (!/^hgmem_[a-z0-9_]+$/.test(ns)) throw new Error(`refusing to remove ${ns}`);
  if (kind === 'sqlite') for (const end of ['', '-wal', '-shm']) rmSync(`.tmp/${ns}.db${end}`, { force: true });
  if (kind === 'postgres') {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${ns} CASCADE`);
    } finally {
      await client.end();
    }
  }
  if (kind === 'redis') {
    const { Redis } = await import('ioredis');
    const client = new Redis(REDIS_URL);
    try {
      for (const pattern of [`{${ns}}*`, `${ns}*`]) {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
          if (keys.length > 0) await client.unlink(...keys);
          cursor = next;
        } while (cursor !== '0');
      }
    } finally {
      await client.quit();
    }
  }
}

/** Resident memory now and at its peak so far (VmRSS, VmHWM from /proc: the kernel's own figures), in MB. */
export function rss() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Reset VmHWM to the current RSS (Linux: 5 to clear_refs), so the peak read next belongs to what follows. */
export function resetPeak() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export const MB = (bytes) => Math.round((bytes / 1048576) * 10) / 10;
export const round = (n) => Math.round(n * 10) / 10;
