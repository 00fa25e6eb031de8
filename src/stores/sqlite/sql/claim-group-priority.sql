-- The highest priority at or below @at_most among one group's pending jobs, due or not: one seek into
-- hourglass_jobs_claim_group (name, job_group, priority DESC, next_run_at, id), as claim-priority.sql for a name.
SELECT priority FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_group
WHERE status = 'pending' AND job_group IS NOT NULL AND name = @name AND job_group = @grp AND priority <= @at_most
ORDER BY priority DESC
LIMIT 1;
