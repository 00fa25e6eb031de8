-- Run now, whatever the schedule. A finished job starts a fresh cycle; a running one is left alone.
UPDATE hourglass_jobs
SET next_run_at = @now,
    -- A job cancelled while it ran still carries that run's lock: drop it, so the old run cannot settle the new one.
    lock_token = NULL, locked_by = NULL, locked_until = NULL,
    attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
    status = 'pending',
    updated_at = @now
WHERE id = @id AND status <> 'running'
RETURNING *;
