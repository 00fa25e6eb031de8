-- A suspension's entry (a sleep or a wait), written or replaced by key, in suspend's transaction after the job
-- was found held (suspend-held.sql). $1 id, $2 key, $3 entry (JSON text).
INSERT INTO {{schema}}.steps (job_id, key, entry) VALUES ($1, $2, $3)
ON CONFLICT (job_id, key) DO UPDATE SET entry = EXCLUDED.entry
