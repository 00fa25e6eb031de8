-- The first @limit due jobs of one capped name (per-name concurrency or local slots), in claim order: the
-- candidates the claim merges with claim-uncapped.sql's before it takes the first `limit` of them all.
-- @limit is that name's allowance (never more than the claim's limit), so the walk stops there.
SELECT id, priority, next_run_at FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_name
WHERE status = 'pending' AND next_run_at <= @now AND name = @name
  AND name NOT IN (SELECT name FROM hourglass_paused)
ORDER BY priority DESC, next_run_at, id
LIMIT @limit;
