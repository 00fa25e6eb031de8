-- The groups of one name with jobs due now or running, and those counts (rules/group-counts.ts), for the
-- dashboard. Bounded three ways, so a page load never counts a tenant's backlog:
-- - the groups looked at: the name's rotation rows that may have due work (ready, or waiting with wake_at come:
--   wake_at is a lower bound of their pending jobs' due times, so no group with a due job is missed), and the
--   groups of its running jobs (hourglass_jobs_group_slots: grouped jobs carrying a run's lock, a handful);
--   the first @scan in byte order (BINARY);
-- - a group's due jobs: counted along hourglass_jobs_claim_group (its pending jobs), stopping at @cap;
-- - its running jobs: hourglass_jobs_group_slots again.
-- @name, @now, @scan, @cap.
WITH candidates(grp) AS (
  SELECT grp FROM (
    SELECT grp FROM hourglass_groups WHERE name = @name AND (ready = 1 OR wake_at <= @now)
    UNION
    SELECT job_group FROM hourglass_jobs INDEXED BY hourglass_jobs_group_slots
      WHERE name = @name AND job_group IS NOT NULL AND lock_token IS NOT NULL AND status = 'running'
  )
  ORDER BY grp LIMIT @scan
)
SELECT c.grp AS grp,
  (SELECT count(*) FROM (SELECT 1 FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_group
     WHERE name = @name AND job_group = c.grp AND status = 'pending' AND next_run_at <= @now LIMIT @cap)) AS due,
  (SELECT count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_group_slots
     WHERE name = @name AND job_group = c.grp AND lock_token IS NOT NULL AND status = 'running') AS running
FROM candidates c
ORDER BY c.grp;
