-- Take the jobs the claim chose (@ids, a JSON array, from claim-level*.sql in the same transaction, so they
-- are still pending and due): running, with this worker's lock.
-- @lifetimes is a JSON object name -> lock lifetime in ms, or NULL when no name has its own; others get @lifetime.
-- (Tested for NULL first: the lookup is a JSON parse per row, ~0.5 µs a claimed job.)
UPDATE hourglass_jobs
SET status = 'running',
    attempts = attempts + 1,
    lock_token = @token,
    locked_by = @worker,
    locked_until = @now + CASE WHEN @lifetimes IS NULL THEN @lifetime
      ELSE COALESCE((SELECT value FROM json_each(@lifetimes) WHERE key = hourglass_jobs.name), @lifetime) END,
    last_run_at = @now,
    updated_at = @now
WHERE id IN (SELECT value FROM json_each(@ids))
-- Returns only what the claim does not already know (status, lock_token, locked_by, last_run_at and updated_at
-- are the values set above), in the order CLAIMED_COLUMNS in rows.ts reads them: the rows come back as arrays
-- (better-sqlite3 raw mode), which cost a fraction of a row object of every column (see toClaimed).
RETURNING id, name, data, priority, attempts, max_attempts, backoff, timeout_ms, repeat, repeat_key, dedupe_key,
  dedupe_until, label, trace, job_group, due_at, next_run_at, last_finished_at, last_error, last_error_stack,
  result, progress, flow, waiting_for, locked_until, created_at;
