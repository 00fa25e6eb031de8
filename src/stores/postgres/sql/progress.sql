-- Save a running job's progress, only while this run still holds it.
UPDATE {{schema}}.jobs
SET progress = $3::jsonb, updated_at = $4
WHERE id = $1 AND lock_token = $2 AND status IN ('running', 'cancelled')
RETURNING id;
