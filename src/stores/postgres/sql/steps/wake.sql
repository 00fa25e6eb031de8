-- Deliver an event to the jobs it woke (rules/steps.ts deliveredStep, wokenRecord) and forget the waits judged
-- over. $1 event name, $2 ids woken, $3 their entries (JSON text, same order), $4 keys, $5 ids whose wait goes
-- (woken and dropped), $6 now, $7 NOTIFY channel.
WITH entries AS (
  UPDATE {{schema}}.steps s SET entry = e.entry
  FROM unnest($2::bigint[], $4::text[], $3::text[]) AS e(job_id, key, entry)
  WHERE s.job_id = e.job_id AND s.key = e.key
),
woken AS (
  UPDATE {{schema}}.jobs SET next_run_at = LEAST(next_run_at, $6), updated_at = $6
  WHERE id = ANY($2::bigint[])
  RETURNING id
),
gone AS (
  DELETE FROM {{schema}}.waits WHERE event = $1 AND job_id = ANY($5::bigint[])
)
SELECT count(*) AS n, (SELECT count(pg_notify($7, 'event')) FROM (SELECT 1 FROM woken LIMIT 1) w) AS notified FROM woken;
