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
-- are the values set above), in the order C in rows.ts reads them: the rows come back as arrays (better-sqlite3
-- raw mode), which cost a fraction of a row object of every column (see toClaimed). The sixteen columns most
-- jobs leave empty come back as one value, NULL when all are (most claims), else a JSON array of them in the
-- order R in rows.ts reads: each value RETURNING hands back costs ~0.08 µs whatever it holds, NULL included
-- (26 values ~6.7 µs a claimed job against ~5.5 packed; docs/performance.md, session 22).
RETURNING id, name, data, priority, attempts, max_attempts, due_at, next_run_at, locked_until, created_at,
  CASE WHEN backoff IS NULL AND timeout_ms IS NULL AND repeat IS NULL AND repeat_key IS NULL AND dedupe_key IS NULL
         AND dedupe_until IS NULL AND label IS NULL AND trace IS NULL AND job_group IS NULL
         AND last_finished_at IS NULL AND last_error IS NULL AND last_error_stack IS NULL AND result IS NULL
         AND progress IS NULL AND flow IS NULL AND waiting_for = 0
    THEN NULL
    ELSE json_array(backoff, timeout_ms, repeat, repeat_key, dedupe_key, dedupe_until, label, trace, job_group,
                    last_finished_at, last_error, last_error_stack, result, progress, flow, waiting_for) END;
