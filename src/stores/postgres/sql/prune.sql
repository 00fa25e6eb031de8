-- Retention, in ONE statement: delete up to $3 finished jobs past their status's cutoff (with their history),
-- oldest first, and history records of other jobs that completed before $4, looking only at the $3 oldest
-- records by id.
-- $1 finished statuses, $2 their cutoffs (epoch ms, same order), $3 limit, $4 history cutoff (NULL: keep).
--
-- Jobs: per status, jobs_finished_at (migration 004) in (status, updated_at) order; the IN list restates the
-- index's predicate so the planner may use it with a status that is a parameter. SKIP LOCKED: a job another
-- statement holds (a trigger moving it back to pending) is left for the next sweep.
-- History: records are inserted when runs end, so id order is completion order up to clock differences
-- between hosts; a record inserted out of that order waits until those before it expire. No index on
-- completed_at, and never more than $3 records read besides those of the jobs deleted here, which are left
-- to `deleted_history` (two deletes of one row in one statement would make the counts unreliable) and do not
-- count among the $3 looked at (src/core/rules/prune.ts: the window is over the records left).
-- A job a workflow's dependent still waits for is passed over (core rules/flow.ts heldBack), decided on the
-- statement's snapshot as the model decides on the state before the prune.
-- Order: statuses as given ($1 is in FINISHED_STATUSES order), then oldest first, ties in insertion order.
WITH doomed AS MATERIALIZED (
  SELECT x.id
  FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS c(status, before, ord)
  CROSS JOIN LATERAL (
    SELECT j.id, j.updated_at
    FROM {{schema}}.jobs j
    WHERE j.status IN ('completed', 'failed', 'cancelled') AND j.status = c.status AND j.updated_at < c.before
      -- Never a dependency that a blocked or cascade-cancelled dependent still waits for (core rules/flow.ts
      -- heldBack): a seek on edges' primary key per candidate, stopping at the first such edge. A scalar
      -- subquery, not NOT EXISTS: the planner may turn NOT EXISTS into an anti-join that reads every edge.
      AND (SELECT true FROM {{schema}}.edges e JOIN {{schema}}.jobs w ON w.id = e.child_id
           WHERE e.parent_id = j.id AND NOT e.done
             AND (w.status = 'blocked' OR (w.status = 'cancelled' AND w.waiting_for > 0 AND w.last_error IS NOT NULL))
           LIMIT 1) IS NULL
    ORDER BY j.updated_at, j.id
    LIMIT $3
    FOR UPDATE SKIP LOCKED
  ) x
  ORDER BY c.ord, x.updated_at, x.id
  LIMIT $3
),
deleted_history AS (
  DELETE FROM {{schema}}.history h USING doomed d WHERE h.job_id = d.id
),
deleted AS (
  DELETE FROM {{schema}}.jobs j USING doomed d WHERE j.id = d.id
  RETURNING j.id
),
old_history AS (
  DELETE FROM {{schema}}.history h
  WHERE $4::bigint IS NOT NULL
    AND h.id IN (SELECT o.id
                 FROM (SELECT id, completed_at FROM {{schema}}.history
                       WHERE job_id NOT IN (SELECT id FROM doomed) ORDER BY id LIMIT $3) o
                 WHERE o.completed_at < $4::bigint)
  RETURNING h.id
)
SELECT (SELECT count(*) FROM deleted)::integer AS jobs, (SELECT count(*) FROM old_history)::integer AS history;
