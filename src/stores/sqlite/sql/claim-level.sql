-- The first @limit due jobs of one name at one priority, in claim order (due time, then insertion): a range of
-- hourglass_jobs_claim_name that ends at the first job not yet due.
SELECT id, priority, next_run_at FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_name
WHERE status = 'pending' AND name = @name AND priority = @priority AND next_run_at <= @now
ORDER BY next_run_at, id
LIMIT @limit;
