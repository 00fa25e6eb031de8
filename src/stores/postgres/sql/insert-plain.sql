-- Insert a batch of jobs without dedupe or repeat keys (insert.ts picks this file when no job of the run has
-- one): the common case of now(), schedule() and scheduleBulk(). Such a job never meets another job, so the
-- rules of insert.sql reduce to "every job is created"; this statement writes the same rows without its
-- lookups and without ON CONFLICT, whose speculative insertion costs a second WAL record per row.
-- $1, $2, $3 as insert.sql (its input's columns without the keys). Each row comes back as its input's `ord`, its
-- id, and the two jsonb columns (a read gives their keys in jsonb's order, not the input's): the rest of the
-- record is what the input wrote and the columns' defaults (insert.ts plainRecord). Every column of every row
-- sent back and parsed cost the client ~4 of ~15 µs a job of a 20,000-job insert.
WITH input AS MATERIALIZED (
  SELECT r.ord, nextval('{{schema}}.jobs_id_seq') AS id, r.name, r.data::json AS data, r.priority, r.max_attempts,
         r.backoff, r.timeout_ms, r.repeat, r.label, r.trace, r.grp, r.due_at, r.next_run_at
  FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (
    name text, data text, priority integer, max_attempts integer, backoff jsonb, timeout_ms bigint,
    repeat jsonb, label text, trace text, grp text, due_at bigint, next_run_at bigint)
  ) WITH ORDINALITY AS r(name, data, priority, max_attempts, backoff, timeout_ms, repeat, label, trace, grp,
                         due_at, next_run_at, ord)
),
plain AS (
  INSERT INTO {{schema}}.jobs (id, name, data, priority, max_attempts, backoff, timeout_ms, repeat, label, trace,
                               grp, due_at, next_run_at, created_at, updated_at)
  SELECT id, name, data, priority, max_attempts, backoff, timeout_ms, repeat, label, trace, grp, due_at,
         next_run_at, $2, $2
  FROM input
  -- Due time first: each grouped job's row trigger (groups_wake, migration 015) lowers its waiting group's wake_at,
  -- so a batch written latest-first rewrote the group's row once per job, every version of it kept until commit
  -- and each trigger finding the live one past the others: 8,000 jobs of one group took 7 s (875 µs a job, and
  -- growing). Earliest-first, a group's first row sets its wake_at and the rest leave it. Ids keep the batch's
  -- order (given in `input`); nothing reads the heap's order.
  ORDER BY next_run_at, ord
  RETURNING id, backoff, repeat, next_run_at
),
-- Work due now wakes the other processes, as in insert.sql.
wake AS (
  SELECT count(pg_notify($3, 'insert')) AS n
  FROM (SELECT 1 FROM plain WHERE next_run_at <= $2 LIMIT 1) d
)
SELECT i.ord, p.id, p.backoff, p.repeat
FROM wake, input i JOIN plain p ON p.id = i.id;
