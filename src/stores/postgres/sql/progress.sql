-- Save a running job's progress, only while this run still holds it. A run whose job was cancelled meanwhile
-- saves none (src/core/rules/lifecycle.ts, progressRecord): it is being aborted.
UPDATE {{schema}}.jobs
SET progress = $3::json, updated_at = $4
-- The status test is written so no index can answer it (heartbeat.sql says why): the row comes by primary key.
WHERE id = $1 AND lock_token = $2 AND (status = 'running') IS TRUE
RETURNING id;
