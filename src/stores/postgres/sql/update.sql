-- Change fields of a job that is not running (a running job comes back unchanged). Each optional field comes
-- with a flag saying whether it is being set, since NULL is also a value one can set (max_attempts, repeat).
-- $1 id, $2 now, $3/$4 data, $5/$6 priority, $7/$8 max_attempts, $9/$10 repeat,
-- $11 next_run_at (NULL keeps), $12 due_at (NULL keeps), $13 NOTIFY channel.
WITH changed AS (
  UPDATE {{schema}}.jobs
  SET data         = CASE WHEN $3::boolean THEN $4::json ELSE data END,
      priority     = CASE WHEN $5::boolean THEN $6::integer ELSE priority END,
      max_attempts = CASE WHEN $7::boolean THEN $8::integer ELSE max_attempts END,
      repeat       = CASE WHEN $9::boolean THEN $10::jsonb ELSE repeat END,
      next_run_at  = coalesce($11::bigint, next_run_at),
      due_at       = coalesce($12::bigint, due_at),
      updated_at   = $2
  WHERE id = $1 AND status <> 'running'
  RETURNING *
),
wake AS (
  SELECT count(pg_notify($13, 'update')) AS n
  FROM (SELECT 1 FROM changed WHERE status = 'pending' AND next_run_at <= $2) c
)
SELECT c.* FROM wake JOIN changed c ON true
UNION ALL
SELECT j.* FROM {{schema}}.jobs j WHERE j.id = $1 AND NOT EXISTS (SELECT 1 FROM changed);
