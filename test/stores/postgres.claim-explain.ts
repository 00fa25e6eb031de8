/**
 * The PostgreSQL claim's plan, as the plan tests read it: a session that runs claim.sql as claim_jobs() does
 * (generic plans, JIT off) and EXPLAINs it for a request, run for real in a transaction rolled back after.
 * Shared by postgres.claim-plan.ts and postgres.group-plan.ts; the plan's node type and walk by every PostgreSQL
 * plan test.
 */
import pg from 'pg';
import type { ClaimRequest } from '../../src/core/store.js';
import { claimParams } from '../../src/stores/postgres/params.js';
import { Statements, channelFor } from '../../src/stores/postgres/sql.js';
import { PG_URL } from './postgres.factory.js';

/** A node of EXPLAIN (FORMAT JSON)'s plan, the fields the tests read. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Alias?: string;
  'Index Name'?: string;
  Filter?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/** Every node of a plan, the root first. */
export function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

/** Pages the plan read: a node's count includes its children's, so the largest is the statement's. */
export const pagesOf = (node: PlanNode): number =>
  Math.max((node['Shared Hit Blocks'] ?? 0) + (node['Shared Read Blocks'] ?? 0), ...(node.Plans ?? []).map(pagesOf));

/** One line per node: its type, relation and index, pages and rows. */
export function describePlan(node: PlanNode & Record<string, unknown>, depth = 0): string {
  const what = [node['Node Type'], node['Subplan Name'], node['Relation Name'], node['Index Name'], node['Filter'] ? `filter ${String(node['Filter'])}` : '']
    .filter(Boolean)
    .join(' ');
  const line = `${'  '.repeat(depth)}${what} pages=${(node['Shared Hit Blocks'] ?? 0) + (node['Shared Read Blocks'] ?? 0)} rows=${String(node['Actual Rows'])}`;
  return [line, ...(node.Plans ?? []).map((child) => describePlan(child as PlanNode & Record<string, unknown>, depth + 1))].join('\n');
}

export interface ClaimExplainer {
  /** The plan of the claim for `r` (EXPLAIN ANALYZE, BUFFERS), its writes rolled back. */
  explain(r: ClaimRequest): Promise<PlanNode>;
  end(): Promise<void>;
}

/** A session on `schema` with claim.sql prepared as claim_jobs() runs it. */
export async function claimExplainer(schema: string): Promise<ClaimExplainer> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  // As claim_jobs() runs it: with the settings its SET clauses give it (functions/claim_jobs.sql), read from the
  // installed function so a test can never plan with other ones. (With JIT on, this session would spend
  // seconds compiling the plan on every EXPLAIN: the very cost the function turns off.)
  const { rows } = await client.query<{ config: string[] }>(
    `SELECT proconfig AS config FROM pg_proc WHERE pronamespace = $1::regnamespace AND proname = 'claim_jobs'`,
    [`"${schema}"`],
  );
  for (const setting of rows[0]!.config) {
    const [name, value] = setting.split('=') as [string, string];
    await client.query(`SELECT set_config($1, $2, false)`, [name, value]);
  }
  await client.query(
    `PREPARE claim_plan(bigint, text, text, integer, text[], text[], integer[], integer[], text[], bigint[], bigint, text, integer[], integer[], bigint[], boolean[]) AS ${new Statements(`"${schema}"`).get('claim')}`,
  );
  return {
    async explain(r) {
      // Each parameter as a literal: arrays in PostgreSQL's {a,b} form, strings unquoted.
      const params = claimParams(r, channelFor(schema)).values.map((v) => (v === null ? 'NULL' : `'${JSON.stringify(v).replace(/^\[(.*)\]$/, '{$1}').replace(/^"(.*)"$/, '$1')}'`));
      await client.query('BEGIN');
      try {
        const result = await client.query(`EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) EXECUTE claim_plan(${params.join(', ')})`);
        return (result.rows[0]['QUERY PLAN'] as [{ Plan: PlanNode }])[0].Plan;
      } finally {
        await client.query('ROLLBACK');
      }
    },
    end: () => client.end(),
  };
}
