-- A group's first pending job at one priority, due or not (its earliest due time there): a seek into
-- hourglass_jobs_claim_group. groups.ts nextDue, for a group the claim found without due work to offer; unlike
-- claim-group-level.sql it counts jobs queued behind their dedupe key too, so a group whose due jobs all wait
-- sleeps only until now and the next claim looks at it again (nothing else wakes it when their key frees).
SELECT next_run_at FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_group
WHERE status = 'pending' AND job_group IS NOT NULL AND name = @name AND job_group = @grp AND priority = @priority
ORDER BY next_run_at, id
LIMIT 1;
