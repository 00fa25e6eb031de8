/**
 * bench/core/batch-scale: is a batch call linear in its size? One store; for batches of 500, 2,000, 8,000 and
 * 32,000 jobs, µs per job of: insert (keyless), insert with dedupe keys, insert with repeat keys, a claim of the
 * keyless batch, a heartbeat of its leases, its settle, and the keyed batch inserted again (every key taken).
 * A per-job cost that grows with the batch is a quadratic step (session 16 found one in PostgreSQL's keyed
 * insert). The first batch pays warm-up; times move ±30 % on a shared machine.
 *   node --import tsx bench/core/batch-scale.ts <sqlite|postgres|redis>
 */
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import type { NewJob, Store } from '../../src/core/store.js';
import { silentLogger } from '../../src/core/logger.js';
import { rmSync } from 'node:fs';
const PG_URL = process.env.HOURGLASS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.HOURGLASS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const kind = process.argv[2]!;
const tag = `bs_${process.pid}`;
const store: Store = kind === 'sqlite' ? new SqliteStore({ path: `/tmp/${tag}.db` })
  : kind === 'postgres' ? new PostgresStore({ connectionString: PG_URL, schema: tag })
  : new RedisStore({ url: REDIS_URL, prefix: tag });
await store.init({ logger: silentLogger });
const T0 = Date.now();
const job = (o: Partial<NewJob> = {}): NewJob => ({ name: 'work', data: { x: 1 }, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null, repeatKey: null, dedupeKey: null, label: null, dueAt: T0 - 1000, nextRunAt: T0 - 1000, ...o });
const us = (t: number, n: number) => ((performance.now() - t) / n * 1000).toFixed(0).padStart(5);
for (const n of [500, 2000, 8000, 32000]) {
  const out: string[] = [];
  let t = performance.now(); await store.insert(Array.from({ length: n }, () => job({ name: `p${n}` })), T0); out.push(`insert ${us(t, n)}`);
  t = performance.now(); await store.insert(Array.from({ length: n }, (_, k) => job({ name: `k${n}`, dedupeKey: `k${n}-${k}`, nextRunAt: T0 + 9e6, dueAt: T0 + 9e6 })), T0); out.push(`keyed ${us(t, n)}`);
  t = performance.now(); await store.insert(Array.from({ length: n }, (_, k) => job({ name: `r${n}`, repeatKey: `r${n}-${k}`, repeat: { every: 60000 } as any, nextRunAt: T0 + 9e6, dueAt: T0 + 9e6 })), T0); out.push(`repeat ${us(t, n)}`);
  t = performance.now(); const c = await store.claim({ now: T0, workerId: 'w', lockToken: `t${n}`, limit: n, names: [`p${n}`], limits: [], lockLifetimeMs: 60000 }); out.push(`claim ${us(t, n)} (${c.length})`);
  t = performance.now(); await store.heartbeat(c.map((j) => ({ id: j.id, lockToken: j.lockToken, lockedUntil: T0 + 120000 })), T0); out.push(`heartbeat ${us(t, n)}`);
  t = performance.now(); const s = await store.settle(c.map((j) => ({ id: j.id, lockToken: j.lockToken, status: 'completed' as const, finishedAt: T0, history: { status: 'completed' as const, attempt: 1, startedAt: T0, completedAt: T0, error: null, stack: null, result: null, workerId: 'w' } }))); out.push(`settle ${us(t, n)} (${s.filter(Boolean).length})`);
  t = performance.now(); await store.insert(Array.from({ length: n }, (_, k) => job({ name: `k${n}`, dedupeKey: `k${n}-${k}` })), T0); out.push(`keyed-again ${us(t, n)}`);
  console.log(kind.padEnd(8), String(n).padStart(6), out.join('  '), ' µs/job');
}
await (store as any).close();
if (kind === 'postgres') { const pg = (await import('pg')).default; const c = new pg.Client(PG_URL); await c.connect(); await c.query(`DROP SCHEMA ${tag} CASCADE`); await c.end(); }
else if (kind === 'redis') { const { Redis } = await import('ioredis'); const r = new Redis(REDIS_URL); let cur = '0'; do { const [nx, keys] = await r.scan(cur, 'MATCH', `{${tag}}*`, 'COUNT', 10000); cur = nx; if (keys.length) await r.unlink(...keys); } while (cur !== '0'); r.disconnect(); }
else { for (const x of ['', '-wal', '-shm']) rmSync(`/tmp/${tag}.db${x}`, { force: true }); }
process.exit(0);
