-- Store an event and forget this name's events older than the retention; returns the jobs waiting for the name
-- (lock-waits.sql then locks them and reads their entries, for the caller to judge).
-- $1 name, $2 payload (JSON text), $3 now, $4 forget before.
WITH forgotten AS (
  DELETE FROM {{schema}}.events WHERE name = $1 AND sent_at < $4
),
stored AS (
  INSERT INTO {{schema}}.events (name, payload, sent_at) VALUES ($1, $2, $3)
)
SELECT job_id::text AS job_id, key FROM {{schema}}.waits WHERE event = $1;
