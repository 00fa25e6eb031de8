-- The first @limit due jobs of every allowed name without a cap, in claim order (see claim-capped.sql).
--   @names  the names this worker runs (ignored when @any_name = 1, a fallback handler exists)
--   @skip   the capped names, whose candidates claim-capped.sql selects within their allowance
-- INDEXED BY: without it the planner may pick another index and sort every pending row per claim.
SELECT id, priority, next_run_at FROM hourglass_jobs INDEXED BY hourglass_jobs_claim
WHERE status = 'pending' AND next_run_at <= @now
  AND (@any_name = 1 OR name IN (SELECT value FROM json_each(@names)))
  AND name NOT IN (SELECT value FROM json_each(@skip))
  AND name NOT IN (SELECT name FROM hourglass_paused)
ORDER BY priority DESC, next_run_at, id
LIMIT @limit;
