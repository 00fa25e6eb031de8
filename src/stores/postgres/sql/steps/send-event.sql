-- Store an event and forget this name's events older than the retention; returns the jobs waiting for the name
-- (with their entries) for the caller to judge (rules/steps.ts waitVerdict), their job rows locked.
-- $1 name, $2 payload (JSON text), $3 now, $4 forget before.
WITH forgotten AS (
  DELETE FROM {{schema}}.events WHERE name = $1 AND sent_at < $4
),
stored AS (
  INSERT INTO {{schema}}.events (name, payload, sent_at) VALUES ($1, $2, $3)
)
SELECT w.job_id::text AS job_id, w.key, j.status, s.entry
FROM {{schema}}.waits w
LEFT JOIN LATERAL (SELECT status FROM {{schema}}.jobs WHERE id = w.job_id FOR UPDATE) j ON true
LEFT JOIN {{schema}}.steps s ON s.job_id = w.job_id AND s.key = w.key
WHERE w.event = $1
ORDER BY w.job_id;
