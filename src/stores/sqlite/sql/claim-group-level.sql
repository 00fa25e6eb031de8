-- The first @limit due jobs of one group at one priority, in claim order: a range of hourglass_jobs_claim_group
-- that ends at the first job not yet due (as claim-level.sql for a name). A job queued behind another job of its
-- dedupe key is left out here, before the rotation (src/core/rules/groups.ts), as claim-level.sql does: it takes
-- no turn and no room under the group's cap.
SELECT id, priority, next_run_at FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_group
WHERE status = 'pending' AND job_group IS NOT NULL AND name = @name AND job_group = @grp AND priority = @priority
  AND next_run_at <= @now
  AND NOT {{fragment queued-behind-key}}
ORDER BY next_run_at, id
LIMIT @limit;
