-- As claim-priority.sql across every name, for a worker with a fallback handler (it runs any name): one seek
-- into hourglass_jobs_claim (priority DESC, next_run_at, id).
SELECT priority FROM hourglass_jobs INDEXED BY hourglass_jobs_claim
WHERE status = 'pending' AND priority <= @at_most
ORDER BY priority DESC
LIMIT 1;
