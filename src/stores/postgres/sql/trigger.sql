-- Run now, whatever the schedule. Pending: due now. Finished (completed, failed, cancelled): a fresh cycle,
-- attempts 0, and any lock left by a run cancelled mid-way is dropped, so that run can no longer settle it.
-- Running: left as it is. Moves next_run_at only, never due_at (repeats continue from their due time).
-- $1 id, $2 now, $3 NOTIFY channel.
WITH changed AS (
  UPDATE {{schema}}.jobs
  SET next_run_at = $2,
      attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
      lock_token = CASE WHEN status = 'pending' THEN lock_token END,
      locked_by = CASE WHEN status = 'pending' THEN locked_by END,
      locked_until = CASE WHEN status = 'pending' THEN locked_until END,
      status = 'pending',
      updated_at = $2
  WHERE id = $1 AND status <> 'running'
  RETURNING *
),
wake AS (
  SELECT count(pg_notify($3, 'trigger')) AS n FROM (SELECT 1 FROM changed LIMIT 1) c
)
SELECT c.* FROM wake JOIN changed c ON true
UNION ALL
SELECT j.* FROM {{schema}}.jobs j WHERE j.id = $1 AND NOT EXISTS (SELECT 1 FROM changed);
