-- The highest priority at or below @at_most among one name's pending jobs, due or not: one seek into
-- hourglass_jobs_claim_name (name, priority DESC, next_run_at, id). The claim steps down the priorities of a
-- name this way (a loose index scan) and reads each one's due jobs with claim-level.sql, so it never walks
-- jobs that are not yet due: its cost is one seek per priority in use, whatever the backlog.
SELECT priority FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_name
WHERE status = 'pending' AND name = @name AND priority <= @at_most
ORDER BY priority DESC
LIMIT 1;
