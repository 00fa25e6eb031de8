-- Delete a job's entries (a repeat's cycle ends), only while this run holds the running job.
-- Returns one row when the run holds it. $1 id, $2 lock token.
WITH held AS MATERIALIZED (
  SELECT id FROM {{schema}}.jobs WHERE id = $1 AND lock_token = $2 AND (status = 'running') IS TRUE FOR UPDATE  -- by primary key: see heartbeat.sql
),
gone AS (
  DELETE FROM {{schema}}.steps WHERE job_id = (SELECT id FROM held)
)
SELECT id FROM held;
