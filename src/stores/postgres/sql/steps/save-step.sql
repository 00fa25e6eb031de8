-- Store a durable run's entry (insert or replace by key), only while this run holds the running job
-- (src/core/rules/steps.ts holdsRun, as progress.sql). No row returned: the lease is lost.
-- $1 id, $2 lock token, $3 key, $4 entry (JSON text).
INSERT INTO {{schema}}.steps (job_id, key, entry)
SELECT id, $3, $4 FROM {{schema}}.jobs
WHERE id = $1 AND lock_token = $2 AND (status = 'running') IS TRUE  -- by primary key: see heartbeat.sql
ON CONFLICT (job_id, key) DO UPDATE SET entry = EXCLUDED.entry
RETURNING job_id;
