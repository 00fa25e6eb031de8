-- Return jobs whose lock expired to pending, due now: any worker may take them (at-least-once).
UPDATE hourglass_jobs INDEXED BY hourglass_jobs_running
SET status = 'pending', next_run_at = @now, lock_token = NULL, locked_by = NULL, locked_until = NULL,
    last_error = 'lock expired: worker ' || COALESCE(locked_by, '?') || ' stopped renewing it', updated_at = @now
WHERE status = 'running' AND locked_until < @now;
