-- Delete a job and its history. A run still in flight finds its lease gone when it settles.
WITH gone AS (
  DELETE FROM {{schema}}.jobs WHERE id = $1 RETURNING id
),
history AS (
  DELETE FROM {{schema}}.history WHERE job_id = $1
)
SELECT id FROM gone;
