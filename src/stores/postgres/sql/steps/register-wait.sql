-- A suspended run waits for an event: send-event.sql finds it by the event's name. $1 event name, $2 job id,
-- $3 the entry's key.
INSERT INTO {{schema}}.waits (event, job_id, key) VALUES ($1, $2, $3)
ON CONFLICT (event, job_id) DO UPDATE SET key = EXCLUDED.key
