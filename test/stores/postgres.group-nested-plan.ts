/**
 * group_offers()'s own statements reach a group's jobs through the group's indexes, with or without planner
 * statistics. The function runs its statements as generic plans (plan_cache_mode = force_generic_plan); on a
 * table never analyzed, the name's index (jobs_claim_name) and the group's (jobs_claim_group) both estimate one
 * row, and the planner once picked the name's, reading the group as a filter: every group a claim visited then
 * walked the name's due jobs of all groups (29x the ungrouped claim's time with 10,000 groups). postgres.group-plan
 * checks pages after ANALYZE, where the statistics make the right choice obvious; this test reads the plans of the
 * nested statements themselves (auto_explain, sent to this session as notices) before and after ANALYZE.
 * Registered by postgres.test.ts.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimRequest } from '../../src/core/store.js';
import type { PostgresStore } from '../../src/stores/postgres/index.js';
import { claimParams } from '../../src/stores/postgres/params.js';
import { Statements, channelFor } from '../../src/stores/postgres/sql.js';
import { PG_URL, adminQuery, dropSchema, randomSchema } from './postgres.factory.js';
import type { PlanNode } from './postgres.claim-explain.js';
import { T0, newJob, openStore } from './postgres.helpers.js';

const BIG = 10_000;
const GROUPS = 1_000;
const PER_GROUP = 10;

interface Logged {
  query: string;
  plan: PlanNode;
}

/** Every scan of the group's jobs (`jobs j`; not the dedupe checks' `jobs o`) in a plan, as "index: filter". */
function scansOfJobs(node: PlanNode): string[] {
  const own = node['Relation Name'] === 'jobs' && node.Alias === 'j' ? [`${node['Node Type']} ${node['Index Name'] ?? ''}: ${node.Filter ?? ''}`] : [];
  return [...own, ...(node.Plans ?? []).flatMap(scansOfJobs)];
}

/**
 * Whether a plan reads the jobs table whole (a sequential scan). The small tables are left out: on a groups table
 * of a thousand rows without statistics the planner rightly answers "has this name any group?" with a sequential
 * scan of its few pages; it is priced by the table's real size, so a big one gets the key's seek.
 */
function seqScans(node: PlanNode): string[] {
  const own = node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'jobs' ? ['jobs'] : [];
  return [...own, ...(node.Plans ?? []).flatMap(seqScans)];
}

export function describePostgresGroupNestedPlan(skip: boolean): void {
  describe.skipIf(skip)('PostgresStore: group_offers() reads a group through its own indexes', () => {
    const schema = randomSchema();
    let store: PostgresStore;

    beforeAll(async () => {
      store = await openStore(schema);
      // No statistics until the test asks for them: autovacuum's analyze must not run in between.
      await adminQuery(`ALTER TABLE "${schema}".jobs SET (autovacuum_enabled = false)`);
      for (let i = 0; i < BIG; i += 5000) await store.insert(Array.from({ length: 5000 }, () => newJob('a', { group: 'big' })), T0);
      const small = Array.from({ length: GROUPS * PER_GROUP }, (_, i) => newJob('a', { group: `t${i % GROUPS}` }));
      for (let i = 0; i < small.length; i += 5000) await store.insert(small.slice(i, i + 5000), T0);
    }, 120_000);

    afterAll(async () => {
      await store?.close();
      await dropSchema(schema);
    });

    /** The nested statements' plans of one claim (rolled back), on a fresh session (fresh plan caches). */
    async function nestedPlans(r: ClaimRequest): Promise<Logged[]> {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      const logged: Logged[] = [];
      client.on('notice', (msg) => {
        const text = String(msg.message);
        const at = text.indexOf('{');
        if (!text.includes('plan:') || at < 0) return;
        const parsed = JSON.parse(text.slice(at)) as { 'Query Text': string; Plan: PlanNode };
        logged.push({ query: parsed['Query Text'], plan: parsed.Plan });
      });
      try {
        await client.query(`LOAD 'auto_explain'`);
        for (const setting of [
          'auto_explain.log_min_duration = 0',
          'auto_explain.log_nested_statements = on',
          'auto_explain.log_format = json',
          'auto_explain.log_level = notice',
          'client_min_messages = notice',
          'plan_cache_mode = force_generic_plan',
          'jit = off',
        ]) {
          await client.query(`SET ${setting}`);
        }
        const claim = new Statements(`"${schema}"`).get('claim');
        await client.query('BEGIN');
        await client.query(claim, claimParams(r, channelFor(schema)).values);
        await client.query('ROLLBACK');
      } finally {
        await client.end();
      }
      return logged;
    }

    const request: ClaimRequest = {
      now: T0,
      workerId: 'w',
      lockToken: 't',
      limit: 10,
      names: ['a'],
      limits: [{ name: 'a', groupConcurrency: 2 }],
      lockLifetimeMs: 60_000,
    };

    async function expectGroupIndexes(): Promise<void> {
      const logged = await nestedPlans(request);
      const perGroup = logged.filter((l) => /\bj\.grp = (g\.grp\b|\(?\$2\b)/.test(l.query));
      // Per group: the slot count (group_offers), the priority seek (group_level), the due read (group_due).
      const seen = (pattern: RegExp): boolean => perGroup.some((l) => pattern.test(l.query.replace(/\s+/g, ' ')));
      expect(seen(/j\.status IN \('running', 'cancelled'\)/), 'the slot count').toBe(true);
      expect(seen(/j\.priority < \$3/), 'the priority seek').toBe(true);
      expect(seen(/j\.priority = lvl AND j\.next_run_at <= \$3/), 'the due read').toBe(true);
      for (const { query, plan } of perGroup) {
        const scans = scansOfJobs(plan);
        expect(scans.length, query).toBeGreaterThan(0);
        for (const scan of scans) {
          // A group's key is an index condition, never a filter over another index's range.
          expect(scan, query).not.toMatch(/\bgrp = /);
          expect(scan, query).toMatch(/Index (Only )?Scan (jobs_claim_group|jobs_group_slots|jobs_group|jobs_pkey|jobs_dedupe)/);
        }
      }
      // And no statement of the claim, its own or nested, reads the jobs table whole.
      for (const { query, plan } of logged) expect(seqScans(plan), query).toEqual([]);
    }

    it('without statistics', async () => {
      const stats = await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM pg_stats WHERE schemaname = $1 AND tablename = 'jobs'`, [schema]);
      expect(Number(stats[0]!.n)).toBe(0);
      await expectGroupIndexes();
    }, 60_000);

    it('with statistics', async () => {
      await adminQuery(`ANALYZE "${schema}".jobs`);
      await expectGroupIndexes();
    }, 60_000);
  });
}
