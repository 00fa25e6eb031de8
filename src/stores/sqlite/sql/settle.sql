-- Apply runs' outcomes, each only if its worker still holds the job (the lock token matches). A job cancelled
-- while it ran stays cancelled. One statement for a whole batch: binding and stepping a statement per job
-- cost as much as its row's writes (settle.ts).
-- @batch: a JSON array of [id, token, status, next_run_at, due_at, attempts, max_attempts, set_result, result,
-- set_error, last_error, set_stack, last_error_stack, finished_at] (settle.ts settleArgs). NULL keeps a field's
-- value (max_attempts NULL keeps the stored one; a number is the one the run used); set_result / set_error /
-- set_stack say whether result / last_error / last_error_stack are being set (to a value or to NULL).
-- @flows: 0 leaves workflow nodes alone (settle.ts settles them one by one, in order, with their dependents).
-- jsonb_each, not json_each: the subquery is flattened, so each `value ->> k` below runs once per reference, and
-- json_each's `value` of an entry is its text, rendered again each time and parsed again by `->>`; jsonb_each
-- hands over the entry's binary form, which `->>` reads in place. Same values (checked on 20,000 random
-- batches), ~2 µs less a settled job, ~15 % more jobs/s for a SQLite worker (docs/performance.md).
UPDATE hourglass_jobs AS j
SET status = CASE WHEN j.status = 'cancelled' THEN 'cancelled' ELSE s.status END,
    next_run_at = COALESCE(s.next_run_at, j.next_run_at),
    due_at = COALESCE(s.due_at, j.due_at),
    attempts = COALESCE(s.attempts, j.attempts),
    max_attempts = COALESCE(s.max_attempts, j.max_attempts),
    result = CASE WHEN s.set_result = 1 THEN s.result ELSE j.result END,
    last_error = CASE WHEN s.set_error = 1 THEN s.last_error ELSE j.last_error END,
    last_error_stack = CASE WHEN s.set_stack = 1 THEN s.last_error_stack ELSE j.last_error_stack END,
    last_finished_at = s.finished_at,
    lock_token = NULL, locked_by = NULL, locked_until = NULL, settled_token = s.token,
    updated_at = s.finished_at
FROM (
  SELECT value ->> 0 AS id, value ->> 1 AS token, value ->> 2 AS status, value ->> 3 AS next_run_at,
         value ->> 4 AS due_at, value ->> 5 AS attempts, value ->> 6 AS max_attempts, value ->> 7 AS set_result,
         value ->> 8 AS result, value ->> 9 AS set_error, value ->> 10 AS last_error, value ->> 11 AS set_stack,
         value ->> 12 AS last_error_stack, value ->> 13 AS finished_at
  FROM jsonb_each(@batch)
) AS s
WHERE j.id = s.id AND j.lock_token = s.token AND j.status IN ('running', 'cancelled')
  AND (@flows = 1 OR j.flow IS NULL)
RETURNING id, status, name, flow;  -- read by position (settle.ts reads the rows as arrays)
