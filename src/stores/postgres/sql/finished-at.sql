-- Store.finishedAt: the finish time of the finished job of one status at a rank, newest first (retention's
-- count). $1 status, $2 rank. The IN list repeats jobs_finished_at's predicate (migration 004), so the generic
-- plan, which cannot see $1, may still walk that index backwards: `rank` entries.
SELECT updated_at FROM {{schema}}.jobs
WHERE status = $1 AND status IN ('completed', 'failed', 'cancelled')
ORDER BY status DESC, updated_at DESC
OFFSET $2 LIMIT 1
