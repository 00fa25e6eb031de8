-- A suspended run whose event was already sent: the job is due at once (no later than the suspension's
-- finish) and the other processes are woken to claim it. $1 id, $2 finishedAt, $3 NOTIFY channel.
WITH due AS (
  UPDATE {{schema}}.jobs SET next_run_at = LEAST(next_run_at, $2), updated_at = $2 WHERE id = $1 RETURNING id
)
SELECT pg_notify($3, 'event') FROM due
