-- Take the jobs the claim chose (@ids, a JSON array, from claim-level*.sql in the same transaction, so they
-- are still pending and due): running, with this worker's lock.
-- @lifetimes is a JSON object name -> lock lifetime in ms; others get @lifetime.
UPDATE hourglass_jobs
SET status = 'running',
    attempts = attempts + 1,
    lock_token = @token,
    locked_by = @worker,
    locked_until = @now + COALESCE((SELECT value FROM json_each(@lifetimes) WHERE key = hourglass_jobs.name), @lifetime),
    last_run_at = @now,
    updated_at = @now
WHERE id IN (SELECT value FROM json_each(@ids))
RETURNING *;
