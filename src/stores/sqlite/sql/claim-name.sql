-- Claim up to @limit due jobs of one capped name (called per capped name, inside the claim transaction).
UPDATE hourglass_jobs
SET status = 'running',
    attempts = attempts + 1,
    lock_token = @token,
    locked_by = @worker,
    locked_until = @now + @lifetime,
    last_run_at = @now,
    updated_at = @now
WHERE id IN (
  SELECT id FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_name
  WHERE status = 'pending' AND next_run_at <= @now AND name = @name
    AND name NOT IN (SELECT name FROM hourglass_paused)
  ORDER BY priority DESC, next_run_at, id
  LIMIT @limit
)
RETURNING *;
