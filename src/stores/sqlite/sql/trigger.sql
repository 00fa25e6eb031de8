-- Run now, whatever the schedule. A finished job starts a fresh cycle; a running one is left alone.
UPDATE hourglass_jobs
SET next_run_at = @now,
    attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
    status = 'pending',
    updated_at = @now
WHERE id = @id AND status <> 'running'
RETURNING *;
