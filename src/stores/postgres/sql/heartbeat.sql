-- Extend many leases in ONE statement. A lease holds while the job carries its lock token; a job cancelled
-- while running keeps the token (its worker still settles it) and answers 'cancelled' so the worker aborts.
-- $1 ids, $2 lock tokens, $3 new locked_until values (parallel arrays), $4 now.
WITH input AS (
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS l(id, lock_token, locked_until)
)
UPDATE {{schema}}.jobs j
SET locked_until = l.locked_until, updated_at = $4
FROM input l
WHERE j.id = l.id AND j.lock_token = l.lock_token
  -- The status test is written so no index can answer it: the rows must be fetched by primary key, one per
  -- lease. As a plain `status IN (…)`, with statistics taken while few jobs ran, the generic plan walked
  -- jobs_status_name over every running job for each lease: 2.6-4.4 s for 500 leases among 26,000 running
  -- jobs, longer than a heartbeat may take (test/stores/postgres.lease-plan.test.ts).
  AND (j.status IN ('running', 'cancelled')) IS TRUE
-- The token comes back too: one batch may hold two leases of one job (a stale one and the current one).
RETURNING j.id, j.lock_token, j.status;
