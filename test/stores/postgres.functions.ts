/**
 * The hot path has one source: functions/claim_jobs.sql includes claim.sql, functions/settle_and_claim.sql
 * includes settle.sql and calls claim_jobs(), and the migrator (re)installs each whenever its text changes. A database left at version 5 (the function of
 * migration 003, jsonb columns) upgrades in place. Registered by postgres.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { buildFunction, functionHash } from '../../src/stores/postgres/functions.js';
import { MIGRATIONS } from '../../src/stores/postgres/migrate.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { Statements } from '../../src/stores/postgres/sql.js';
import { PG_URL, adminQuery } from './postgres.factory.js';
import { T0, newJob, openStore, usePostgresStores } from './postgres.helpers.js';

const claimRequest = (now: number) => ({ now, workerId: 'w', lockToken: 'next', limit: 10, names: null, limits: [], lockLifetimeMs: 60_000 });

/** The installed bodies of settle_and_claim, by the type of its 13th argument (one function: 003's, replaced). */
async function installed(schema: string): Promise<Record<string, string>> {
  const rows = await adminQuery<{ arg: string; src: string }>(
    `SELECT format_type(proargtypes[12], NULL) AS arg, prosrc AS src FROM pg_proc
     WHERE proname = 'settle_and_claim' AND pronamespace = $1::regnamespace`,
    [`"${schema}"`],
  );
  return Object.fromEntries(rows.map((r) => [r.arg, r.src]));
}

/** The body (between the dollar quotes) of the function text this code builds. */
function builtBody(schema: string, name = 'settle_and_claim'): string {
  return buildFunction(name, `"${schema}"`).split('$function$')[1]!;
}

export function describePostgresFunctions(skip: boolean): void {
  describe.skipIf(skip)('PostgresStore functions (one source for the hot path)', () => {
    const { fresh, keep } = usePostgresStores();

    it('migrations stay numbered 1..n with no gap', () => {
      expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
      expect(MIGRATIONS.length).toBeGreaterThanOrEqual(8);
    });

    it('builds settle_and_claim() from settle.sql and claim_jobs() from claim.sql themselves, and installs exactly that', async () => {
      const schema = fresh();
      keep(await openStore(schema));
      const statements = new Statements(`"${schema}"`);
      const body = builtBody(schema);
      expect(body).toContain(statements.get('settle').trimEnd().replace(/;$/, '').replaceAll('$1', '$13').replaceAll('$2', '$12'));
      // Its claim is claim_jobs(), with claim.sql's $13..$16 (groupConcurrency, global rate) as its $16..$19.
      expect(body).toContain(`claim_jobs($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $16, $17, $18, $19)`);
      expect(builtBody(schema, 'claim_jobs')).toContain(statements.get('claim').trimEnd().replace(/;$/, ''));
      expect(await installed(schema)).toEqual({ jsonb: body });
      const [row] = await adminQuery<{ hash: string }>(`SELECT hash FROM "${schema}".functions WHERE name = 'settle_and_claim'`);
      expect(row!.hash).toBe(functionHash(buildFunction('settle_and_claim', `"${schema}"`)));
    });

    it('reinstalls a function whose text changed, once, with many processes booting at once', async () => {
      const schema = fresh();
      const first = await openStore(schema);
      await first.close();
      // As after an edit of claim.sql: the installed function is not this code's (and would fail if called).
      await adminQuery(`UPDATE "${schema}".functions SET hash = 'an older text'`);
      await adminQuery(
        `CREATE OR REPLACE FUNCTION "${schema}".settle_and_claim(bigint, text, text, integer, text[], text[], integer[], integer[],
           text[], bigint[], bigint, text, jsonb, text, text[], integer[], integer[], bigint[], boolean[]) RETURNS SETOF "${schema}".jobs
         LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'old text'; END $$`,
      );
      const racers = Array.from({ length: 8 }, () => new PostgresStore({ connectionString: PG_URL, schema, poolSize: 1 }));
      keep(...racers);
      await Promise.all(racers.map((s) => s.init({ logger: silentLogger })));
      expect(await installed(schema)).toEqual({ jsonb: builtBody(schema) });
      const [job] = await racers[0]!.insert([newJob('after-reinstall')], T0);
      const { claimed } = await racers[1]!.settleAndClaim([], { ...claimRequest(T0), limits: [{ name: 'after-reinstall', global: 1 }] });
      expect(claimed.map((j) => j.id)).toEqual([job!.job.id]);
    });

    it('a database left at version 5 upgrades: data converted, migration 003\'s function replaced by the built one', async () => {
      const schema = fresh();
      const old = new PostgresStore({ connectionString: PG_URL, schema });
      await old.migrateTo(5);
      await old.close();
      const q = `"${schema}"`;
      // Rows as version 5 stored them: jsonb (keys already in jsonb's order), a running job, a finished one.
      await adminQuery(
        `INSERT INTO ${q}.jobs (name, data, status, attempts, lock_token, locked_by, locked_until, due_at, next_run_at, last_run_at, created_at, updated_at)
         VALUES ('old', '{"b": 1, "a": {"d": 2, "c": 3}}', 'running', 1, 'tok', 'w0', $1::bigint + 60000, $1, $1, $1, $1, $1)`,
        [T0],
      );
      await adminQuery(
        `INSERT INTO ${q}.jobs (name, data, status, result, progress, due_at, next_run_at, created_at, updated_at)
         VALUES ('old', '[1, "two"]', 'completed', '{"ok": true}', '{"pct": 100}', $1, $1, $1, $1)`,
        [T0],
      );
      await adminQuery(
        `INSERT INTO ${q}.history (job_id, status, attempt, started_at, completed_at, duration, error, result, worker_id)
         SELECT id, 'completed', 1, $1, $1, 0, NULL, '{"ok": true}', 'w0' FROM ${q}.jobs WHERE status = 'completed'`,
        [T0],
      );
      const before = await installed(schema);
      expect(Object.keys(before)).toEqual(['jsonb']);
      expect(before.jsonb).not.toBe(builtBody(schema));

      const store = await openStore(schema);
      keep(store);
      expect((await store.migrationStatus()).pending).toEqual([]);
      expect(await installed(schema)).toEqual({ jsonb: builtBody(schema) });
      const jobs = await store.listJobs({ limit: 10, offset: 0 });
      const running = jobs.find((j) => j.status === 'running')!;
      const done = jobs.find((j) => j.status === 'completed')!;
      expect(running).toMatchObject({ data: { a: { c: 3, d: 2 }, b: 1 }, lastErrorStack: null });
      expect(done).toMatchObject({ data: [1, 'two'], result: { ok: true }, progress: { pct: 100 } });
      expect((await store.history(done.id))[0]).toMatchObject({ result: { ok: true }, stack: null });

      // The run that was in flight during the upgrade settles through the new function, which claims again.
      const [newer] = await store.insert([newJob('new', { data: { z: 1, y: 2 } })], T0);
      const result = { z: 0, a: 1 };
      const { settled, claimed } = await store.settleAndClaim(
        [{ id: running.id, lockToken: 'tok', status: 'completed', finishedAt: T0 + 1, result, history: { status: 'completed', attempt: 1, startedAt: T0, completedAt: T0 + 1, error: null, stack: null, result, workerId: 'w0' } }],
        claimRequest(T0 + 1),
      );
      expect(settled).toEqual([true]);
      expect(claimed.map((j) => [j.id, JSON.stringify(j.data)])).toEqual([[newer!.job.id, '{"z":1,"y":2}']]);
      expect(JSON.stringify((await store.getJob(running.id))!.result)).toBe('{"z":0,"a":1}');

      // Settlements as the previous version sends them: results as JSON values (a string too), no stack or
      // maxAttempts fields. They apply. (Its call itself, with the signature before migration 15, finds no
      // function: migration 15 dropped it, so a process left on the old version fails its claims instead of
      // claiming grouped jobs past their cap.)
      const [again] = claimed;
      const oldStyle = [{ i: 0, id: Number(again!.id), lock_token: 'next', status: 'completed', next_run_at: null, due_at: null, attempts: null,
        set_result: true, result: 'done', set_error: true, last_error: null, finished_at: T0 + 2,
        history: { status: 'completed', attempt: 1, started_at: T0 + 1, completed_at: T0 + 2, error: null, result: { ok: 1 }, worker_id: 'old' } }];
      const rows = await adminQuery<{ id: string; status: string | null }>(
        `SELECT id, status FROM ${q}.settle_and_claim($1, 'old', 'old-token', 0, NULL, '{}', '{}', '{}', '{}', '{}', 60000, 'chan', $2::jsonb, $3, '{}', '{}', '{}', '{}', '{}')`,
        [T0 + 2, JSON.stringify(oldStyle), schema],
      );
      expect(rows.filter((r) => r.status === null && r.id !== null).map((r) => r.id)).toEqual(['0']); // the claim's row of NULLs aside
      expect(await store.getJob(again!.id)).toMatchObject({ status: 'completed', result: 'done', lastErrorStack: null });
      expect((await store.history(again!.id)).at(-1)).toMatchObject({ result: { ok: 1 }, stack: null, workerId: 'old' });
    });
  });
}
