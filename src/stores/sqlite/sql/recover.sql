-- Return jobs whose lock expired to pending, due now: any worker may take them (at-least-once). The error is
-- the loss itself (core's text, as in recover-history.sql), which has no stack: an earlier failure's stack
-- would point at the wrong cause.
UPDATE hourglass_jobs INDEXED BY hourglass_jobs_running
SET status = 'pending', next_run_at = @now, lock_token = NULL, locked_by = NULL, locked_until = NULL,
    last_error = CASE WHEN locked_by IS NULL THEN @lost_unknown ELSE @lost_before || locked_by || @lost_after END,
    last_error_stack = NULL,
    updated_at = @now
WHERE status = 'running' AND locked_until < @now;
