-- The groups of one name with jobs due now or running, and those counts (rules/group-counts.ts), for the
-- dashboard. Bounded three ways, so a page load never counts a tenant's backlog:
-- - the groups looked at: the name's rotation rows that may have due work (ready, or waiting with wake_at come:
--   wake_at is a lower bound of their pending jobs' due times, so no group with a due job is missed), and the
--   groups of its running jobs (jobs_group_slots: grouped jobs carrying a run's lock, a handful); the first $3
--   in byte order (grp is COLLATE "C");
-- - a group's due jobs: counted along jobs_claim_group (its pending jobs), stopping at $4;
-- - its running jobs: jobs_group_slots again.
-- $1 name, $2 now, $3 groups looked at, $4 the due count's cap.
WITH candidates AS (
  SELECT grp FROM (
    SELECT g.grp FROM {{schema}}.groups g WHERE g.name = $1::text AND (g.ready OR g.wake_at <= $2::bigint)
    UNION
    SELECT j.grp FROM {{schema}}.jobs j
      WHERE j.name = $1::text AND j.grp IS NOT NULL AND j.lock_token IS NOT NULL AND j.status = 'running'
  ) c
  ORDER BY grp LIMIT $3::int
)
SELECT c.grp,
  (SELECT count(*) FROM (SELECT 1 FROM {{schema}}.jobs j
     WHERE j.name = $1::text AND j.grp = c.grp AND j.status = 'pending' AND j.next_run_at <= $2::bigint
     LIMIT $4::int) d)::int AS due,
  (SELECT count(*) FROM {{schema}}.jobs j
     WHERE j.name = $1::text AND j.grp = c.grp AND j.lock_token IS NOT NULL AND j.status = 'running')::int AS running
FROM candidates c
ORDER BY c.grp;
