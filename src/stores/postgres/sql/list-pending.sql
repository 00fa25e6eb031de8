-- Pending jobs by nextRunAt (rules/query.ts compareJobs), one page: a loose index scan of the claim index
-- jobs_claim (priority DESC, next_run_at, id) WHERE status = 'pending', or of jobs_claim_name for one name.
-- The recursive part finds the distinct priorities, one index seek each; the lateral part reads the first
-- $1 (offset + limit) entries of each priority, which the index holds in due order; only those
-- priorities × $1 rows are sorted. Never the backlog: the overview's oldest waiting job at a million pending
-- jobs (test/stores/postgres.list-plans.test.ts holds the plan to that).
-- list.ts fills in {{dir}} (ASC or DESC) and {{name}} (empty, or `AND name = $4`: a separate text, so the
-- planner sees the name and picks the per-name index).
-- $1 entries per priority, $2 limit, $3 offset, $4 name (in the named text only).
WITH RECURSIVE priorities(priority) AS (
  (SELECT priority FROM {{schema}}.jobs WHERE status = 'pending' {{name}} ORDER BY priority DESC LIMIT 1)
  UNION ALL
  SELECT (SELECT priority FROM {{schema}}.jobs
          WHERE status = 'pending' {{name}} AND priority < p.priority ORDER BY priority DESC LIMIT 1)
  FROM priorities p
  WHERE p.priority IS NOT NULL
)
SELECT h.* FROM priorities p
CROSS JOIN LATERAL (
  SELECT * FROM {{schema}}.jobs
  WHERE status = 'pending' {{name}} AND priority = p.priority
  ORDER BY next_run_at {{dir}}, id {{dir}}
  LIMIT $1
) h
ORDER BY h.next_run_at {{dir}}, h.id {{dir}}
LIMIT $2 OFFSET $3;
