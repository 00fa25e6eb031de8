-- Run now, whatever the schedule. A finished job starts a fresh cycle; a running or blocked one is left alone.
UPDATE hourglass_jobs
SET next_run_at = @now,
    -- A job cancelled while it ran still carries that run's lock: drop it, so the old run cannot settle the new one.
    lock_token = NULL, locked_by = NULL, locked_until = NULL,
    attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
    -- A workflow node that still waits for dependencies waits again (rules/flow.ts).
    status = CASE WHEN waiting_for > 0 THEN 'blocked' ELSE 'pending' END,
    -- ...its cascade's error cleared (core rules/lifecycle.ts triggeredRecord).
    last_error = CASE WHEN waiting_for > 0 THEN NULL ELSE last_error END,
    updated_at = @now
WHERE id = @id AND status NOT IN ('running', 'blocked')
RETURNING *;
