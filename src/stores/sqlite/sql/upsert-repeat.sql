-- every() called again for an existing repeating job: update its definition. Its due times change only when
-- the repeat itself changed or the job had finished (then it is pending again, a fresh cycle, without the lock a
-- run cancelled while it ran still holds: rules/insert.ts upsertedRecord). Every CASE reads the row as it was.
UPDATE hourglass_jobs
SET name = @name, data = @data, priority = @priority, max_attempts = @max_attempts, backoff = @backoff,
    timeout_ms = @timeout_ms, dedupe_key = @dedupe_key, label = @label, trace = @trace,
    next_run_at = CASE WHEN repeat IS NOT @repeat OR status IN ('completed', 'failed', 'cancelled')
                       THEN @next_run_at ELSE next_run_at END,
    due_at      = CASE WHEN repeat IS NOT @repeat OR status IN ('completed', 'failed', 'cancelled')
                       THEN @due_at ELSE due_at END,
    attempts    = CASE WHEN status IN ('completed', 'failed', 'cancelled') THEN 0 ELSE attempts END,
    lock_token  = CASE WHEN status IN ('completed', 'failed', 'cancelled') THEN NULL ELSE lock_token END,
    locked_by   = CASE WHEN status IN ('completed', 'failed', 'cancelled') THEN NULL ELSE locked_by END,
    locked_until = CASE WHEN status IN ('completed', 'failed', 'cancelled') THEN NULL ELSE locked_until END,
    status      = CASE WHEN status IN ('completed', 'failed', 'cancelled') THEN 'pending' ELSE status END,
    repeat = @repeat,
    updated_at = @now
WHERE repeat_key = @repeat_key
RETURNING *;
