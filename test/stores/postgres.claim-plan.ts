/**
 * The claim is flat at any backlog: with a large not-yet-due backlog at a higher priority, statistics present
 * (ANALYZE) and the generic plan every call uses, the claim statement reads a few dozen buffers whether it finds
 * work or not, where a walk in priority order would read every index page of tomorrow's jobs. Measured with
 * EXPLAIN (ANALYZE, BUFFERS), which counts pages, not time. And the functions that run it keep JIT off.
 * Registered by postgres.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimRequest } from '../../src/core/store.js';
import type { PostgresStore } from '../../src/stores/postgres/index.js';
import { adminQuery, dropSchema, randomSchema } from './postgres.factory.js';
import { claimExplainer, describePlan, pagesOf, type ClaimExplainer, type PlanNode } from './postgres.claim-explain.js';
import { T0, copyJob, newJob, openStore } from './postgres.helpers.js';

const BACKLOG = 200_000;
const TOMORROW = T0 + 86_400_000;
const request = (over: Partial<ClaimRequest>): ClaimRequest => ({
  now: T0,
  workerId: 'w',
  lockToken: 't',
  limit: 10,
  names: ['a', 'b'],
  limits: [],
  lockLifetimeMs: 60_000,
  ...over,
});

/** After a describe's tests: its explainer and store closed, its schema dropped. */
function dropAfter(schema: string, held: () => [ClaimExplainer | undefined, PostgresStore | undefined]): void {
  afterAll(async () => {
    const [claims, store] = held();
    await claims?.end();
    await store?.close();
    await dropSchema(schema);
  });
}

/** How many times the plan's scans of `index` ran (0: in the plan, never run). */
function loopsOn(node: PlanNode, index: string): number {
  const fields = node as PlanNode & Record<string, unknown>;
  const own = fields['Index Name'] === index ? Number(fields['Actual Loops'] ?? 0) : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + loopsOn(child as PlanNode, index), 0);
}

export function describePostgresClaimPlan(skip: boolean): void {
  describe.skipIf(skip)('PostgresStore: the claim is flat at any backlog', () => {
    const schema = randomSchema();
    let store: PostgresStore;
    let claims: ClaimExplainer | undefined;

    beforeAll(async () => {
      store = await openStore(schema);
      const [template] = await store.insert([newJob('a', { priority: 10, nextRunAt: TOMORROW })], T0);
      // Tomorrow's work at a higher priority than today's for the worker's names a and b, and a third of the
      // rows due now for a name c it does not run: copied from one stored job.
      await copyJob(schema, template!.job.id, BACKLOG, {
        name: `CASE g % 3 WHEN 0 THEN 'a' WHEN 1 THEN 'b' ELSE 'c' END`,
        next_run_at: `CASE g % 3 WHEN 2 THEN ${T0 - 10} - g ELSE ${TOMORROW} + g END`,
        priority: `CASE g % 3 WHEN 2 THEN 0 ELSE t.priority END`,
      });
      await store.insert([newJob('a', { nextRunAt: T0 - 2 }), newJob('a', { nextRunAt: T0 - 1 }), newJob('b', { priority: -5, nextRunAt: T0 - 3 })], T0);
      await adminQuery(`ANALYZE "${schema}".jobs`);
      claims = await claimExplainer(schema);
    }, 120_000);

    dropAfter(schema, () => [claims, store]);

    /** The claim's plan for `r` (pages read, and one line per node), run for real in a transaction rolled back after. */
    async function planOf(r: ClaimRequest): Promise<{ pages: number; text: string }> {
      const plan = await claims!.explain(r);
      return { pages: pagesOf(plan), text: describePlan(plan as PlanNode & Record<string, unknown>) };
    }

    /** Pages the claim reads for `r`; on a failure, the plan is what the next person needs. */
    async function pagesRead(r: ClaimRequest): Promise<number> {
      const { pages, text } = await planOf(r);
      if (pages >= 250) process.stderr.write(`claim plan reading ${pages} pages:\n${text}\n`);
      return pages;
    }

    it('takes the jobs due now under a higher-priority backlog due tomorrow, reading a few pages', async () => {
      expect((await store.claim(request({ limit: 0 })))).toEqual([]);
      // Each priority level is a seek, each due job a row: far below the hundreds of index pages of tomorrow's
      // jobs, or of the jobs due now of a name this worker does not run.
      // (Measured: ~80 pages to take a's and b's 3 jobs, ~190 for a fallback handler taking 10 of c's, most of
      // them the index entries the claim's UPDATE rewrites; the walk in priority order read ~1,250.)
      expect(await pagesRead(request({}))).toBeLessThan(250);
      expect(await pagesRead(request({ names: null }))).toBeLessThan(250);
      const claimed = await store.claim(request({}));
      expect(claimed.map((j) => [j.name, j.priority, j.nextRunAt - T0])).toEqual([
        ['a', 0, -2],
        ['a', 0, -1],
        ['b', -5, -3],
      ]);
    });

    it('reads a few pages when nothing of its names is due (an idle worker polling)', async () => {
      expect(await pagesRead(request({ now: T0 - BACKLOG - 100 }))).toBeLessThan(100);
      expect(await pagesRead(request({ now: T0 - BACKLOG - 100, names: null }))).toBeLessThan(100);
    });

    it('runs in functions that turn JIT off, use the generic plan and avoid sorts an index can replace', async () => {
      const rows = await adminQuery<{ name: string; config: string[] }>(
        `SELECT proname AS name, proconfig AS config FROM pg_proc WHERE pronamespace = $1::regnamespace AND proname IN ('claim_jobs', 'settle_and_claim') ORDER BY proname`,
        [`"${schema}"`],
      );
      expect(rows.map((r) => [r.name, [...r.config].sort()])).toEqual([
        ['claim_jobs', ['enable_sort=off', 'jit=off', 'plan_cache_mode=force_generic_plan']],
        ['settle_and_claim', ['enable_sort=off', 'jit=off', 'plan_cache_mode=force_generic_plan']],
      ]);
    });

    it('steps over jobs queued behind their dedupe key with one seek each, and takes the free ones (replace)', async () => {
      // 50 keys whose job runs and has a newcomer queued behind it (replace), due before 5 jobs of free keys.
      const keys = Array.from({ length: 50 }, (_, i) => `key${i}`);
      await store.insert(keys.map((key) => newJob('k', { dedupeKey: key, nextRunAt: T0 - 9 })), T0);
      expect(await store.claim(request({ names: ['k'], limit: 50 }))).toHaveLength(50);
      const queued = await store.insert(keys.map((key) => newJob('k', { dedupeKey: key, replace: true, nextRunAt: T0 - 8 })), T0);
      expect(queued.every((r) => r.created && r.job.status === 'pending')).toBe(true);
      const free = await store.insert(Array.from({ length: 5 }, (_, i) => newJob('k', { dedupeKey: `free${i}`, nextRunAt: T0 - 7 })), T0);
      // Cancelled jobs kept for history, keyed: the held check must seek jobs_dedupe_held (only those still
      // holding a run's lock), not walk the cancelled range of the retention index.
      await adminQuery(`UPDATE "${schema}".jobs SET status = 'cancelled', dedupe_key = 'old' || id WHERE name = 'c'`);
      await adminQuery(`ANALYZE "${schema}".jobs`);
      const { pages, text } = await planOf(request({ names: ['k'] }));
      // Each queued job costs a seek into jobs_dedupe (and one into jobs_dedupe_held); nothing scans the table.
      expect(text).toMatch(/Index (Only )?Scan .*jobs_dedupe /);
      expect(text).toMatch(/Index (Only )?Scan .*jobs_dedupe_held /);
      expect(text).not.toMatch(/Seq Scan[^\n]* jobs /);
      expect(pages).toBeLessThan(250 + 50 * 12);
      expect((await store.claim(request({ names: ['k'] }))).map((j) => j.id)).toEqual(free.map((r) => r.job.id));
    });
  });

  describe.skipIf(skip)('PostgresStore: a fallback handler\'s claim is flat beside many names', () => {
    const schema = randomSchema();
    const NAMES = 40_000;
    let store: PostgresStore;
    let claims: ClaimExplainer | undefined;

    beforeAll(async () => {
      // Every job a name of its own (the `handler` option runs them all): half due tomorrow, half due now at a
      // lower priority than two jobs of a name `a`. Walking the names one by one read a few pages per name
      // (338 ms a claim beside 20,000 names due later, 669 ms beside 20,000 due now).
      store = await openStore(schema);
      const [template] = await store.insert([newJob('a', { priority: -1, nextRunAt: T0 - 5 })], T0);
      await copyJob(schema, template!.job.id, NAMES, {
        name: `'n' || g`,
        next_run_at: `CASE g % 2 WHEN 0 THEN ${TOMORROW} + g ELSE ${T0 - 10} - g END`,
      });
      await store.insert([newJob('a', { nextRunAt: T0 - 2 }), newJob('a', { nextRunAt: T0 - 1 })], T0);
      await adminQuery(`ANALYZE "${schema}".jobs`);
      claims = await claimExplainer(schema);
    }, 120_000);

    dropAfter(schema, () => [claims, store]);

    it('reads a few pages, not a few per name, and takes the best jobs across names', async () => {
      for (const r of [request({ names: null }), request({ names: null, now: T0 - NAMES - 100 })]) {
        const plan = await claims!.explain(r);
        const text = describePlan(plan as PlanNode & Record<string, unknown>);
        if (pagesOf(plan) >= 250) process.stderr.write(`claim plan reading ${pagesOf(plan)} pages:\n${text}\n`);
        expect(pagesOf(plan)).toBeLessThan(250);
        expect(loopsOn(plan, 'jobs_pending_any')).toBeGreaterThan(0);
      }
      // A named claim never reads it (its nodes are in the plan, never run): jobs_pending_any cannot serve the
      // per-name seeks (`priority = …`), which stay on their own index.
      const named = await claims!.explain(request({}));
      expect(loopsOn(named, 'jobs_pending_any')).toBe(0);
      expect(loopsOn(named, 'jobs_claim_plain')).toBeGreaterThan(0);
      // The console's oldest waiting job, across the names (list-pending-any.sql; its plan: postgres.list-plans).
      const [oldest] = await store.listJobs({ status: ['pending'], order: { by: 'nextRunAt', dir: 'asc' }, limit: 1, offset: 0 });
      expect(oldest!.name).toBe(`n${NAMES - 1}`);
      const claimed = await store.claim(request({ names: null, limit: 4 }));
      // a's two jobs at priority 0, then the oldest due at -1: n39999 (due T0 - 10 - 39999), n39997, ...
      expect(claimed.map((j) => [j.name, j.priority])).toEqual([
        ['a', 0],
        ['a', 0],
        [`n${NAMES - 1}`, -1],
        [`n${NAMES - 3}`, -1],
      ]);
    });

    it('steps over a paused name\'s due jobs and a capped name at its cap, and walks the capped one on its own', async () => {
      // n39999 and n39997 were taken above; n39995 is at its cap, n39993 paused, n39991 may take one.
      await store.setPaused(`n${NAMES - 7}`, true);
      const limits = [{ name: `n${NAMES - 5}`, localFree: 0 }, { name: `n${NAMES - 9}`, localFree: 1 }];
      const claimed = await store.claim(request({ names: null, limit: 3, limits }));
      expect(claimed.map((j) => j.name)).toEqual([`n${NAMES - 9}`, `n${NAMES - 11}`, `n${NAMES - 13}`]);
      await store.setPaused(`n${NAMES - 7}`, false);
    });
  });

  describe.skipIf(skip)('PostgresStore: the claim is flat without planner statistics', () => {
    const schema = randomSchema();
    let store: PostgresStore;
    let claims: ClaimExplainer | undefined;

    beforeAll(async () => {
      // A new schema and a burst of work before autovacuum's first ANALYZE (turned off here, so it cannot come
      // in the middle): the planner knows the table's size but nothing of its values.
      store = await openStore(schema);
      await adminQuery(`ALTER TABLE "${schema}".jobs SET (autovacuum_enabled = false)`);
      const [template] = await store.insert([newJob('a', { nextRunAt: T0 - 1 })], T0);
      await copyJob(schema, template!.job.id, BACKLOG, { next_run_at: `${T0 - BACKLOG - 10} + g` });
      claims = await claimExplainer(schema);
    }, 120_000);

    dropAfter(schema, () => [claims, store]);

    it('takes due jobs reading a few pages, not every pending job of the name', async () => {
      const [stats] = await adminQuery<{ analyzed: boolean }>(
        `SELECT (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL) AS analyzed FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'jobs'`,
        [schema],
      );
      expect(stats!.analyzed).toBe(false);
      // Measured: ~60 pages for 10 jobs and ~7,600 for 500 (each claimed row's index entries rewritten); the
      // priority seek through jobs_status_name with a sort read ~13,600 for either, growing with the backlog.
      for (const r of [request({ names: ['a'] }), request({ names: null })]) {
        const { pages, text } = await claims!.explain(r).then((plan) => ({ pages: pagesOf(plan), text: describePlan(plan as PlanNode & Record<string, unknown>) }));
        if (pages >= 250) process.stderr.write(`claim plan reading ${pages} pages:\n${text}\n`);
        expect(pages).toBeLessThan(250);
      }
      const claimed = await store.claim(request({ names: ['a'], limit: 3 }));
      expect(claimed.map((j) => j.nextRunAt - (T0 - BACKLOG - 10))).toEqual([1, 2, 3]);
    });
  });
}
