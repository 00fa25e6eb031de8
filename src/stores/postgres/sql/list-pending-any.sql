-- Pending jobs of every name by nextRunAt (rules/query.ts compareJobs), one page, through jobs_pending_any
-- ((-priority), (grp IS NULL), next_run_at, id) WHERE status = 'pending' (migration 025): the priorities in use
-- (one seek each: the first above the last), then the first $1 (offset + limit) entries of each priority's
-- ungrouped and grouped halves, which the index holds in due order. Only priorities x 2 x $1 rows are sorted,
-- whatever the number of names or jobs: the overview's oldest waiting job. (list-pending.sql, a seek per name
-- with pending jobs, took 2.5 s a page beside 200,000 names; it still serves the list of one name.)
-- list.ts fills in the direction (ASC or DESC). $1 entries per (priority, half), $2 limit, $3 offset.
WITH RECURSIVE levels(negp) AS (
  SELECT (SELECT -j.priority FROM {{schema}}.jobs j WHERE j.status = 'pending' ORDER BY -j.priority LIMIT 1)
  UNION ALL
  SELECT (SELECT -j.priority FROM {{schema}}.jobs j WHERE j.status = 'pending' AND -j.priority > l.negp
          ORDER BY -j.priority LIMIT 1)
  FROM levels l
  WHERE l.negp IS NOT NULL
)
SELECT h.* FROM levels l
CROSS JOIN (VALUES (true), (false)) AS half(plain)
CROSS JOIN LATERAL (
  SELECT * FROM {{schema}}.jobs j
  -- A comparison, not `j.grp IS NULL` / `IS NOT NULL`: the index's second column is that expression.
  WHERE j.status = 'pending' AND -j.priority = l.negp AND (j.grp IS NULL) = half.plain
  ORDER BY j.next_run_at {{dir}}, j.id {{dir}}
  LIMIT $1
) h
WHERE l.negp IS NOT NULL
ORDER BY h.next_run_at {{dir}}, h.id {{dir}}
LIMIT $2 OFFSET $3;
