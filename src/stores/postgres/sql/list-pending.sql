-- Pending jobs by nextRunAt (rules/query.ts compareJobs), one page, through jobs_claim_name (name, priority DESC,
-- next_run_at, id) WHERE status = 'pending': a loose index scan. `names` are the names with pending jobs (one seek
-- each: the first name above the last one), or the one name asked for; `priorities` the priorities each uses (one
-- seek each); then the first $1 (offset + limit) entries of each (name, priority), which the index holds in due
-- order. Only names x priorities x $1 rows are sorted; never the backlog: the overview's oldest waiting job at a
-- million pending jobs (test/stores/postgres.list-plans.test.ts holds the plan to that).
-- Each seek is ordered by the index's leading columns (name, then priority): see claim.sql's planner note.
-- list.ts fills in the direction (ASC or DESC) and the names part (the recursive walk, or the one name $4).
-- $1 entries per (name, priority), $2 limit, $3 offset, $4 name (in the named text only).
WITH RECURSIVE names(name) AS (
{{names}}
),
priorities(name, priority) AS (
  SELECT n.name,
         (SELECT j.priority FROM {{schema}}.jobs j WHERE j.status = 'pending' AND j.name = n.name
          ORDER BY j.name, j.priority DESC LIMIT 1)
  FROM names n
  WHERE n.name IS NOT NULL
  UNION ALL
  SELECT p.name,
         (SELECT j.priority FROM {{schema}}.jobs j WHERE j.status = 'pending' AND j.name = p.name AND j.priority < p.priority
          ORDER BY j.name, j.priority DESC LIMIT 1)
  FROM priorities p
  WHERE p.priority IS NOT NULL
)
SELECT h.* FROM priorities p
CROSS JOIN LATERAL (
  SELECT * FROM {{schema}}.jobs j
  WHERE j.status = 'pending' AND j.name = p.name AND j.priority = p.priority
  ORDER BY j.next_run_at {{dir}}, j.id {{dir}}
  LIMIT $1
) h
WHERE p.priority IS NOT NULL
ORDER BY h.next_run_at {{dir}}, h.id {{dir}}
LIMIT $2 OFFSET $3;
