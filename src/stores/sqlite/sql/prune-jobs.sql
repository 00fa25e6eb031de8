-- Retention: up to @limit finished jobs of @status that finished before @before, oldest first, through
-- hourglass_jobs_finished_at (migration 002). The caller deletes them and their history in the same
-- transaction, a flow job (`flow` 1) after its dependents left stop counting it (core rules/flow.ts pruned).
SELECT id, flow IS NOT NULL AS flow FROM hourglass_jobs INDEXED BY hourglass_jobs_finished_at
-- The OR restates the index's predicate (migration 018): SQLite uses a partial index only when the WHERE implies
-- it, and @status, a parameter, proves nothing.
WHERE (status = 'completed' OR status = 'failed' OR status = 'cancelled') AND status = @status AND updated_at < @before
  -- Never a dependency that a blocked or cascade-cancelled dependent still waits for (core rules/flow.ts
  -- heldBack): a seek on hourglass_edges' primary key per candidate, stopping at the first such edge.
  AND NOT EXISTS (
    SELECT 1 FROM hourglass_edges e JOIN hourglass_jobs c ON c.id = e.child_id
    WHERE e.parent_id = hourglass_jobs.id AND e.done = 0
      AND (c.status = 'blocked' OR (c.status = 'cancelled' AND c.waiting_for > 0 AND c.last_error IS NOT NULL))
  )
ORDER BY updated_at, id  -- ties in insertion order (core rules/prune.ts); the index holds id after updated_at
LIMIT @limit;
