-- How many jobs of one (name, group) take a slot now, across every process sharing the file (rules/claim.ts
-- takesSlot): running ones, and ones cancelled while running whose lease has not ended. Counted against the
-- name's groupConcurrency on hourglass_jobs_group_slots, which holds only grouped jobs carrying a run's lock.
SELECT count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_group_slots
WHERE job_group IS NOT NULL AND lock_token IS NOT NULL AND name = @name AND job_group = @grp
  AND (status = 'running' OR (status = 'cancelled' AND locked_until >= @now));
