-- Claim a batch of due jobs in one statement, when no allowed name has a cap (the common case; with caps,
-- see claim-capped.sql). Names are filtered by a JSON array:
--   @names   the names this worker runs (ignored when @any_name = 1, a fallback handler exists)
-- @lifetimes is a JSON object name -> lock lifetime in ms; others get @lifetime.
UPDATE hourglass_jobs
SET status = 'running',
    attempts = attempts + 1,
    lock_token = @token,
    locked_by = @worker,
    locked_until = @now + COALESCE((SELECT value FROM json_each(@lifetimes) WHERE key = hourglass_jobs.name), @lifetime),
    last_run_at = @now,
    updated_at = @now
WHERE id IN (
  -- INDEXED BY: without it the planner may pick (status, created_at) and sort every pending row per claim.
  SELECT id FROM hourglass_jobs INDEXED BY hourglass_jobs_claim
  WHERE status = 'pending' AND next_run_at <= @now
    AND (@any_name = 1 OR name IN (SELECT value FROM json_each(@names)))
    AND name NOT IN (SELECT name FROM hourglass_paused)
  ORDER BY priority DESC, next_run_at, id
  LIMIT @limit
)
RETURNING *;
