-- Apply one run's outcome, only if this worker still holds the job (its lock token matches).
-- A job cancelled while it ran stays cancelled. Optional fields keep their value when NULL is passed
-- (@set_result / @set_error / @set_stack say whether result / last_error / last_error_stack are being set;
-- @max_attempts NULL keeps the stored value, a number is the one this run used).
UPDATE hourglass_jobs
SET status = CASE WHEN status = 'cancelled' THEN 'cancelled' ELSE @status END,
    next_run_at = COALESCE(@next_run_at, next_run_at),
    due_at = COALESCE(@due_at, due_at),
    attempts = COALESCE(@attempts, attempts),
    max_attempts = COALESCE(@max_attempts, max_attempts),
    result = CASE WHEN @set_result = 1 THEN @result ELSE result END,
    last_error = CASE WHEN @set_error = 1 THEN @last_error ELSE last_error END,
    last_error_stack = CASE WHEN @set_stack = 1 THEN @last_error_stack ELSE last_error_stack END,
    last_finished_at = @finished_at,
    lock_token = NULL, locked_by = NULL, locked_until = NULL, settled_token = @token,
    updated_at = @finished_at
WHERE id = @id AND lock_token = @token AND status IN ('running', 'cancelled')
RETURNING status, name, flow;  -- read by position (settle.ts reads the row as an array)
