-- replace (src/core/rules/dedupe.ts replacedRecord): the key's pending holder takes the new call's data, due time
-- and priority; nothing else changes. Only a pending job: the caller found it so in this transaction.
UPDATE hourglass_jobs
SET data = @data, priority = @priority, next_run_at = @next_run_at, due_at = @due_at, updated_at = @now
WHERE id = @id AND status = 'pending'
RETURNING *;
