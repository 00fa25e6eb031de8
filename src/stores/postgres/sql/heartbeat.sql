-- Extend many leases in ONE statement. A lease holds while the job carries its lock token; a job cancelled
-- while running keeps the token (its worker still settles it) and answers 'cancelled' so the worker aborts.
-- $1 ids, $2 lock tokens, $3 new locked_until values (parallel arrays), $4 now.
WITH input AS (
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS l(id, lock_token, locked_until)
)
UPDATE {{schema}}.jobs j
SET locked_until = l.locked_until, updated_at = $4
FROM input l
WHERE j.id = l.id AND j.lock_token = l.lock_token AND j.status IN ('running', 'cancelled')
-- The token comes back too: one batch may hold two leases of one job (a stale one and the current one).
RETURNING j.id, j.lock_token, j.status;
