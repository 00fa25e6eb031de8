/**
 * bench/core/claim-populations: does a claim stay flat beside jobs that are not due work? (issue 16: "the same
 * with 1,000 or 10,000,000 rows, due or not due"). One store, one population of N jobs put beside the due work
 * (running with long leases, completed, grouped or of many names or keyed and due later, due later at a higher
 * priority, or none), then 60 rounds of: 10 due jobs inserted, a claim of 5 by name and one by a fallback
 * handler (names null), each settled, and an idle claim. Prints the median of each claim kind in ms; compare a
 * population with `none`.
 *   node --import tsx bench/core/claim-populations.ts <sqlite|postgres|redis> <population> [N=200000]
 *   populations: none running completed grouped-later names-later names-unique-later names-unique-due dedupe-later later-high
 * HOURGLASS_PG_URL / HOURGLASS_REDIS_URL as the tests; a schema, key prefix or /tmp file of its own, removed after.
 */
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import type { NewJob, Store } from '../../src/core/store.js';
import { silentLogger } from '../../src/core/logger.js';
import { rmSync } from 'node:fs';
const PG_URL = process.env.HOURGLASS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.HOURGLASS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const kind = process.argv[2]!; const pop = process.argv[3]!; const N = Number(process.argv[4] ?? 200000);
const T0 = Date.now();
const tag = `pop_${process.pid}`;
const store: Store = kind === 'sqlite' ? new SqliteStore({ path: `/tmp/${tag}.db` })
  : kind === 'postgres' ? new PostgresStore({ connectionString: PG_URL, schema: tag })
  : new RedisStore({ url: REDIS_URL, prefix: tag });
await store.init({ logger: silentLogger });
const job = (o: Partial<NewJob> = {}): NewJob => ({ name: 'work', data: null, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null, repeatKey: null, dedupeKey: null, label: null, dueAt: T0 - 1000, nextRunAt: T0 - 1000, ...o });
const CH = 5000;
async function fill(make: (i: number) => NewJob) { for (let i = 0; i < N; i += CH) await store.insert(Array.from({ length: Math.min(CH, N - i) }, (_, k) => make(i + k)), T0); }
async function claimAll(name: string, lease: number, settle: boolean) {
  for (;;) {
    const c = await store.claim({ now: T0, workerId: 'filler', lockToken: `f${Math.random()}`, limit: 5000, names: [name], limits: [], lockLifetimeMs: lease });
    if (c.length === 0) break;
    if (settle) await store.settle(c.map((j) => ({ id: j.id, lockToken: j.lockToken, status: 'completed' as const, finishedAt: T0, history: { status: 'completed' as const, attempt: 1, startedAt: T0, completedAt: T0, error: null, stack: null, result: null, workerId: 'filler' } })));
  }
}
const t0 = performance.now();
if (pop === 'running') { await fill(() => job({ name: 'fill' })); await claimAll('fill', 3_600_000, false); }
if (pop === 'completed') { await fill(() => job({ name: 'fill' })); await claimAll('fill', 3_600_000, true); }
if (pop === 'grouped-later') await fill((i) => job({ group: `g${i % 1000}`, nextRunAt: T0 + 3_600_000 + i, dueAt: T0 + 3_600_000 + i }));
if (pop === 'names-later') await fill((i) => job({ name: `n${i % 5000}`, nextRunAt: T0 + 3_600_000 + i, dueAt: T0 + 3_600_000 + i }));
if (pop === 'names-unique-later') await fill((i) => job({ name: `u${i}`, nextRunAt: T0 + 3_600_000 + i, dueAt: T0 + 3_600_000 + i }));
if (pop === 'names-unique-due') await fill((i) => job({ name: `u${i}`, priority: -1 }));
if (pop === 'dedupe-later') await fill((i) => job({ dedupeKey: `k${i}`, nextRunAt: T0 + 3_600_000 + i, dueAt: T0 + 3_600_000 + i }));
if (pop === 'later-high') await fill((i) => job({ priority: 10, nextRunAt: T0 + 3_600_000 + i, dueAt: T0 + 3_600_000 + i }));
const fillS = (performance.now() - t0) / 1000;
const times: Record<string, number[]> = { named: [], any: [], idle: [] };
for (let r = 0; r < 60; r++) {
  await store.insert(Array.from({ length: 10 }, () => job()), T0);
  for (const mode of ['named', 'any'] as const) {
    const t = performance.now();
    const c = await store.claim({ now: T0, workerId: 'w', lockToken: `t${r}${mode}`, limit: 5, names: mode === 'named' ? ['work'] : null, limits: [], lockLifetimeMs: 3_600_000 });
    times[mode]!.push(performance.now() - t);
    await store.settle(c.map((j) => ({ id: j.id, lockToken: j.lockToken, status: 'completed' as const, finishedAt: T0, history: null })));
  }
  const t = performance.now();
  await store.claim({ now: T0, workerId: 'w', lockToken: `i${r}`, limit: 5, names: ['work'], limits: [], lockLifetimeMs: 3_600_000 });
  times.idle!.push(performance.now() - t);
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!.toFixed(2);
console.log(kind.padEnd(8), pop.padEnd(14), 'N', N, 'fill', fillS.toFixed(0) + 's', 'claim ms named', med(times.named!), 'any', med(times.any!), 'idle', med(times.idle!));
// cleanup
if (kind === 'postgres') { const pg = (await import('pg')).default; const c = new pg.Client(PG_URL); await c.connect(); await (store as any).close(); await c.query(`DROP SCHEMA ${tag} CASCADE`); await c.end(); }
else if (kind === 'redis') { const { Redis } = await import('ioredis'); const r = new Redis(REDIS_URL); let cur = '0'; do { const [n, keys] = await r.scan(cur, 'MATCH', `{${tag}}*`, 'COUNT', 10000); cur = n; if (keys.length) await r.unlink(...keys); } while (cur !== '0'); r.disconnect(); await (store as any).close(); }
else { await (store as any).close(); rmSync(`/tmp/${tag}.db`, { force: true }); rmSync(`/tmp/${tag}.db-wal`, { force: true }); rmSync(`/tmp/${tag}.db-shm`, { force: true }); }
process.exit(0);
