-- Retention: up to @limit finished jobs of @status that finished before @before, oldest first, through
-- hourglass_jobs_finished_at (migration 002). The caller deletes them and their history in the same
-- transaction.
SELECT id FROM hourglass_jobs INDEXED BY hourglass_jobs_finished_at
-- The IN restates the index's predicate: SQLite uses a partial index only when the WHERE implies it.
WHERE status IN ('completed', 'failed', 'cancelled') AND status = @status AND updated_at < @before
ORDER BY updated_at, id  -- ties in insertion order (core rules/prune.ts); the index holds id after updated_at
LIMIT @limit;
