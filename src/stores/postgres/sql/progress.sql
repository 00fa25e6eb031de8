-- Save a running job's progress, only while this run still holds it. A run whose job was cancelled meanwhile
-- saves none (src/core/rules/lifecycle.ts, progressRecord): it is being aborted.
UPDATE {{schema}}.jobs
SET progress = $3::json, updated_at = $4
WHERE id = $1 AND lock_token = $2 AND status = 'running'
RETURNING id;
