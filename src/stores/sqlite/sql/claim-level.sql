-- The first @limit due jobs of one name at one priority, in claim order (due time, then insertion): a range of
-- hourglass_jobs_claim_name that ends at the first job not yet due. Ungrouped jobs only (grouped ones are offered
-- by their rotation, claim-group-*.sql): the index holds them apart (migration 010), so none is stepped over.
SELECT id, priority, next_run_at FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_name
WHERE status = 'pending' AND name = @name AND priority = @priority AND (job_group IS NOT NULL) = 0 AND next_run_at <= @now
  AND NOT {{fragment queued-behind-key}}
ORDER BY next_run_at, id
LIMIT @limit;
