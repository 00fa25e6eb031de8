/**
 * PostgresStore against a real server: what only PostgreSQL can get wrong (racing migrators, schema
 * isolation, LISTEN reconnection, races decided by locks and unique indexes). Registered by postgres.test.ts.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { ClaimedJob } from '../../src/core/store.js';
import { storeFromUrl } from '../../src/core/store-url.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { MIGRATIONS } from '../../src/stores/postgres/migrate.js';
import { PG_URL, adminQuery, urlFor } from './postgres.factory.js';
import { T0, newJob, sleep, waitFor, usePostgresStores } from './postgres.helpers.js';

const ALL_VERSIONS = MIGRATIONS.map((m) => m.version);

export function describePostgresSpecific(skip: boolean): void {
  describe.skipIf(skip)('PostgresStore (postgres-specific)', () => {
    const { fresh, open, keep } = usePostgresStores();

    describe('migrations', () => {
      it('ten stores booting at once apply each version exactly once', async () => {
        const schema = fresh();
        const racers = Array.from({ length: 10 }, () => new PostgresStore({ connectionString: PG_URL, schema, poolSize: 1 }));
        const results = await Promise.all(racers.map((s) => s.init({ logger: silentLogger }).then(() => s.migrationStatus())));
        await Promise.all(racers.map((s) => s.close()));
        for (const status of results) expect(status.pending).toEqual([]);
        const rows = await adminQuery<{ version: number; n: string }>(
          `SELECT version, count(*) AS n FROM "${schema}".migrations GROUP BY version ORDER BY version`,
        );
        expect(rows.map((r) => r.version)).toEqual(ALL_VERSIONS);
        expect(rows.every((r) => r.n === '1')).toBe(true);
      });

      it('brings a schema left at version 1 forward through every later version in one run', async () => {
        const schema = fresh();
        const old = new PostgresStore({ connectionString: PG_URL, schema });
        const before = await old.migrateTo(1);
        await old.close();
        expect(before.applied.map((m) => m.version)).toEqual([1]);
        expect(before.pending.map((m) => m.version)).toEqual(ALL_VERSIONS.slice(1));
        expect(await adminQuery(`SELECT to_regclass('"${schema}".locks') AS t`)).toEqual([{ t: null }]);

        const store = await open(schema);
        const after = await store.migrationStatus();
        expect(after.applied.map((m) => m.version)).toEqual(ALL_VERSIONS);
        expect(after.pending).toEqual([]);
        expect(await store.acquireLock('l', 'me', 1000, T0)).toBe(true); // a table from version 2 works
      });

      it('migrationStatus on a schema never migrated reports everything pending and creates nothing', async () => {
        const schema = fresh();
        const store = new PostgresStore({ connectionString: PG_URL, schema });
        const status = await store.migrationStatus();
        await store.close();
        expect(status.applied).toEqual([]);
        expect(status.pending.map((m) => m.version)).toEqual(ALL_VERSIONS);
        expect(await adminQuery('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).toEqual([]);
      });
    });

    describe('configuration', () => {
      it('rejects schema names that are not plain identifiers', () => {
        for (const schema of ['', '1abc', 'a-b', 'a"b', 'x; DROP TABLE y', 'a'.repeat(64)]) {
          expect(() => new PostgresStore({ connectionString: PG_URL, schema })).toThrow(/schema/);
        }
        expect(() => new PostgresStore({} as never)).toThrow(/connectionString or pool/);
      });

      it('storeFromUrl opens the schema named in the URL', async () => {
        const schema = fresh();
        const a = await open(schema);
        const [created] = await a.insert([newJob('from-a')], T0);
        const b = (await storeFromUrl(urlFor(schema))) as PostgresStore;
        await b.init({ logger: silentLogger });
        keep(b);
        expect(b.schema).toBe(schema);
        expect((await b.getJob(created!.job.id))?.name).toBe('from-a');
      });

      it('never ends a pool it was given', async () => {
        const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
        try {
          const store = new PostgresStore({ pool, schema: fresh() });
          await store.init({ logger: silentLogger });
          const unsubscribe = await store.subscribe(() => undefined);
          await store.insert([newJob('x')], T0);
          await unsubscribe();
          await store.close();
          expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
          expect(pool.ended).toBe(false);
        } finally {
          await pool.end();
        }
      });

      it('two schemas on one database never see each other’s jobs', async () => {
        const a = await open(fresh());
        const b = await open(fresh());
        const [job] = await a.insert([newJob('same-name', { dedupeKey: 'k' })], T0);
        const [other] = await b.insert([newJob('same-name', { dedupeKey: 'k' })], T0);
        expect(other!.created).toBe(true); // dedupe is per schema too
        expect(await b.getJob(job!.job.id)).toMatchObject({ id: job!.job.id, name: 'same-name' }); // ids overlap...
        await a.setPaused('same-name', true);
        expect(await b.pausedNames()).toEqual([]);
        const claimed = await b.claim({ now: T0, workerId: 'w', lockToken: 't', limit: 10, names: null, limits: [], lockLifetimeMs: 1000 });
        expect(claimed.map((j) => j.id)).toEqual([other!.job.id]); // ...but b claims only its own
        expect((await a.countJobs()).pending).toBe(1);
        expect((await a.countJobs()).running).toBe(0);
      });
    });

    it('answers malformed or unknown ids with null/false, never a SQL error', async () => {
      const store = await open(fresh());
      for (const id of ['abc', '', '-1', '0', '1.5', ' 1', '1e3', '99999999999999999999', '9223372036854775808', '424242']) {
        expect(await store.getJob(id)).toBeNull();
        expect(await store.cancel(id, T0)).toBeNull();
        expect(await store.trigger(id, T0)).toBeNull();
        expect(await store.update(id, { priority: 1 }, T0)).toBeNull();
        expect(await store.remove(id)).toBe(false);
        expect(await store.history(id)).toEqual([]);
        expect(await store.saveProgress(id, 't', 1, T0)).toBe(false);
        expect(await store.heartbeat([{ id, lockToken: 't', lockedUntil: T0 }], T0)).toEqual(['lost']);
        expect(await store.settle([{ id, lockToken: 't', status: 'completed', finishedAt: T0, history: null }])).toEqual([false]);
      }
    });

    it('keeps JSON values exactly (arrays, strings, null, nested)', async () => {
      const store = await open(fresh());
      const values = [[1, 'two', null], 'just a string', 42, true, null, { a: { b: [1, { c: 'd' }] } }, "it's \"quoted\""];
      const results = await store.insert(values.map((data) => newJob('json', { data })), T0);
      for (const [i, r] of results.entries()) expect((await store.getJob(r.job.id))!.data).toEqual(values[i]);
    });

    it('a fallback-handler claim (names null) honours paused names and per-name caps', async () => {
      const store = await open(fresh());
      await store.insert(
        [...Array.from({ length: 4 }, () => newJob('capped')), newJob('paused'), ...Array.from({ length: 3 }, () => newJob('free'))],
        T0,
      );
      await store.setPaused('paused', true);
      const claimed = await store.claim({
        now: T0, workerId: 'w', lockToken: 't', limit: 10, names: null,
        limits: [{ name: 'capped', localFree: 1 }], lockLifetimeMs: 1000,
      });
      expect(claimed.map((j) => j.name).sort()).toEqual(['capped', 'free', 'free', 'free']);
      const more = await store.claim({
        now: T0, workerId: 'w', lockToken: 't2', limit: 10, names: null,
        limits: [{ name: 'capped', global: 2 }], lockLifetimeMs: 1000,
      });
      expect(more.map((j) => j.name)).toEqual(['capped']); // one already runs, the global cap is 2
    });

    describe('wake-ups', () => {
      it('LISTEN hears an insert from another store, and reconnects after its connection is killed', async () => {
        const schema = fresh();
        const listener = await open(schema);
        const writer = await open(schema);
        let wakes = 0;
        const unsubscribe = await listener.subscribe(() => wakes++);

        await writer.insert([newJob('due-now')], Date.now());
        await waitFor(() => wakes >= 1, 3000, 'a wake-up after insert');

        // Not due yet: no wake-up.
        const before = wakes;
        await writer.insert([newJob('later', { nextRunAt: Date.now() + 3_600_000 })], Date.now());
        await sleep(200);
        expect(wakes).toBe(before);

        const killed = await adminQuery<{ ok: boolean }>(
          'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
          [`hourglass listen ${schema}`],
        );
        expect(killed).toEqual([{ ok: true }]);
        // The listener reconnects by itself and wakes its subscribers once (notifications may have been missed).
        await waitFor(() => wakes >= before + 1, 5000, 'the wake-up that follows a reconnect');
        const afterReconnect = wakes;
        await writer.insert([newJob('due-now-again')], Date.now());
        await waitFor(() => wakes > afterReconnect, 3000, 'a wake-up on the new connection');
        await unsubscribe();
      });

      it('trigger and due retries wake listeners too', async () => {
        const schema = fresh();
        const store = await open(schema);
        const [job] = await store.insert([newJob('later', { nextRunAt: T0 + 3_600_000 })], T0);
        let wakes = 0;
        const unsubscribe = await store.subscribe(() => wakes++);
        await store.trigger(job!.job.id, T0);
        await waitFor(() => wakes === 1, 3000, 'a wake-up after trigger');
        const [claimed] = await store.claim({ now: T0, workerId: 'w', lockToken: 't', limit: 1, names: null, limits: [], lockLifetimeMs: 1000 });
        await store.settle([{ id: claimed!.id, lockToken: 't', status: 'pending', nextRunAt: T0 + 5, finishedAt: T0 + 10, history: null }]);
        await waitFor(() => wakes === 2, 3000, 'a wake-up after a retry due now');
        await unsubscribe();
      });
    });

    describe('races', () => {
      it.each(['claim then settle', 'settleAndClaim'] as const)('a global per-name cap holds across several stores claiming at once (%s)', async (mode) => {
        const schema = fresh();
        const cap = 3;
        const total = 60;
        const seed = await open(schema);
        await seed.insert(Array.from({ length: total }, () => newJob('capped')), T0);
        const claimers = await Promise.all(Array.from({ length: 5 }, () => open(schema, 3)));
        // Counted from the claim's return to the settle's call: inside that window the job is surely running in
        // the store, so more than `cap` overlapping windows would prove the cap broken.
        let running = 0;
        let peak = 0;
        let done = 0;
        const seen = new Set<string>();
        await Promise.all(
          claimers.map(async (store, w) => {
            let finished: ClaimedJob[] = [];
            const settlement = (j: ClaimedJob) => ({ id: j.id, lockToken: `t${w}`, status: 'completed' as const, finishedAt: T0 + 2, history: null });
            while (done < total || finished.length > 0) {
              const request = {
                now: T0 + 1,
                workerId: `w${w}`,
                lockToken: `t${w}`,
                limit: 2,
                names: ['capped'],
                limits: [{ name: 'capped', global: cap }],
                lockLifetimeMs: 60_000,
              };
              let jobs: ClaimedJob[];
              if (mode === 'settleAndClaim') {
                // The last batch is settled in the same call: it stops counting as the call starts.
                const { settled, claimed } = await store.settleAndClaim(finished.map(settlement), request);
                expect(settled.every(Boolean)).toBe(true);
                done += finished.length;
                finished = [];
                jobs = claimed;
              } else {
                jobs = await store.claim(request);
              }
              running += jobs.length;
              peak = Math.max(peak, running);
              for (const job of jobs) {
                expect(seen.has(job.id)).toBe(false);
                seen.add(job.id);
              }
              await sleep(jobs.length ? 5 + Math.random() * 10 : 2);
              running -= jobs.length;
              if (mode === 'settleAndClaim') finished = jobs;
              else if (jobs.length) {
                const applied = await store.settle(
                  jobs.map((j) => ({ id: j.id, lockToken: `t${w}`, status: 'completed' as const, finishedAt: T0 + 2, history: null })),
                );
                expect(applied.every(Boolean)).toBe(true);
                done += jobs.length;
              }
            }
          }),
        );
        expect(seen.size).toBe(total);
        expect(peak).toBeLessThanOrEqual(cap);
        expect(peak).toBeGreaterThan(1); // the claimers really did overlap
      });

      it('concurrent claimers never take the same job (SKIP LOCKED)', async () => {
        const schema = fresh();
        const seed = await open(schema);
        await seed.insert(Array.from({ length: 300 }, (_, i) => newJob(`n${i % 3}`, { priority: i % 5 })), T0);
        const claimers = await Promise.all(Array.from({ length: 6 }, () => open(schema, 2)));
        const batches = await Promise.all(
          claimers.map(async (store, w) => {
            const mine: string[] = [];
            for (;;) {
              const jobs = await store.claim({ now: T0, workerId: `w${w}`, lockToken: `t${w}`, limit: 7, names: null, limits: [], lockLifetimeMs: 60_000 });
              if (jobs.length === 0) return mine;
              mine.push(...jobs.map((j) => j.id));
            }
          }),
        );
        const all = batches.flat();
        expect(all.length).toBe(300);
        expect(new Set(all).size).toBe(300);
      });

      it('concurrent inserts with one dedupe key yield one job', async () => {
        const schema = fresh();
        const racers = await Promise.all(Array.from({ length: 8 }, () => open(schema, 1)));
        const results = await Promise.all(racers.map((s, i) => s.insert([newJob('dedupe', { dedupeKey: 'only-one', data: i })], T0)));
        const ids = new Set(results.map(([r]) => r!.job.id));
        expect(ids.size).toBe(1);
        expect(results.filter(([r]) => r!.created).length).toBe(1);
        expect((await racers[0]!.countJobs('dedupe')).pending).toBe(1);
      });

      it('concurrent every() upserts of one repeat key keep one job', async () => {
        const schema = fresh();
        const racers = await Promise.all(Array.from({ length: 8 }, () => open(schema, 1)));
        const results = await Promise.all(
          racers.map((s) => s.insert([newJob('tick', { repeatKey: 'tick', repeat: { every: 60_000 } })], T0)),
        );
        expect(new Set(results.map(([r]) => r!.job.id)).size).toBe(1);
        expect(results.filter(([r]) => r!.created).length).toBe(1);
        expect((await racers[0]!.countJobs('tick')).pending).toBe(1);
      });
    });
  });
}
