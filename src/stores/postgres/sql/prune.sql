-- Retention, in ONE statement: delete up to $3 finished jobs past their status's cutoff (with their history),
-- oldest first, and history records of other jobs that completed before $4, looking only at the $3 oldest
-- records by id.
-- $1 finished statuses, $2 their cutoffs (epoch ms, same order), $3 limit, $4 history cutoff (NULL: keep),
-- $5 now (epoch ms).
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
-- A flow job deleted here stops holding back the dependents left (cancelled by hand: rules/flow.ts pruned): each
-- is counted down by its edges not done from the jobs deleted, at $5 (now); the edges go with the job (foreign
-- key), so marking them done first would change nothing.
-- Concurrency: a dependent is read for heldBack on the snapshot, so a trigger() bringing it back to blocked could
-- commit between that read and the delete (the dependency gone, the dependent blocked for ever). So each
-- dependent still counting a flow candidate is locked here (`counting`, SKIP LOCKED) and checked again on its
-- latest version: one another transaction holds, or that waits by now, keeps its dependency for the next sweep.
-- A trigger that comes later waits for this statement and sees the dependent counted down. Every lock is taken
-- with SKIP LOCKED, so prune never waits for a job's lock while holding others: no deadlock with trigger, cancel
-- or settle, which lock a dependency before its dependents. One wait remains: deleting a flow job cascades to its
-- edges, and a settle of its dependency may hold such an edge while it waits for the job. PostgreSQL then aborts
-- one of the two; store.ts prune() sends the statement again (errors.ts isDeadlock), as the settle batcher does a
-- settle (test/stores/postgres.prune-race.test.ts).
-- Order: statuses as given ($1 is in FINISHED_STATUSES order), then oldest first, ties in insertion order.
WITH candidates AS MATERIALIZED (
  SELECT x.id, x.flow
  FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS c(status, before, ord)
  CROSS JOIN LATERAL (
    SELECT j.id, j.updated_at, j.flow IS NOT NULL AS flow
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
-- The dependents still counting a flow candidate (its edges not done, to jobs not candidates themselves: those
-- are locked above), each locked and read again: `locked` false when another transaction holds it (or deleted it).
-- A job outside a flow has no edges and is not looked at (d.flow).
counting AS MATERIALIZED (
  SELECT d.id AS parent_id, k.id IS NOT NULL AS locked, coalesce(k.waits, false) AS waits
  FROM candidates d
  -- OFFSET 0 keeps the subquery a per-candidate seek on edges' primary key (not pulled up into a join that
  -- may read every edge).
  CROSS JOIN LATERAL (
    SELECT e.child_id FROM {{schema}}.edges e
    WHERE d.flow AND e.parent_id = d.id AND NOT e.done AND e.child_id NOT IN (SELECT id FROM candidates)
    OFFSET 0
  ) kid
  LEFT JOIN LATERAL (
    SELECT w.id, (w.status = 'blocked' OR (w.status = 'cancelled' AND w.waiting_for > 0 AND w.last_error IS NOT NULL)) AS waits
    FROM {{schema}}.jobs w WHERE w.id = kid.child_id
    FOR NO KEY UPDATE SKIP LOCKED
  ) k ON true
),
doomed AS MATERIALIZED (
  SELECT d.id, d.flow FROM candidates d
  WHERE NOT EXISTS (SELECT 1 FROM counting k WHERE k.parent_id = d.id AND (NOT k.locked OR k.waits))
),
-- Each dependent left counted down once by how many of its edges not done the deleted jobs take with them. All
-- are locked by this statement already (in `counting`, or candidates kept), so this waits for no one.
counted AS (
  UPDATE {{schema}}.jobs w
  SET waiting_for = greatest(0, w.waiting_for - c.n), updated_at = $5
  FROM (
    SELECT kid.child_id, count(*)::integer AS n
    FROM doomed d
    CROSS JOIN LATERAL (
      SELECT e.child_id FROM {{schema}}.edges e
      WHERE d.flow AND e.parent_id = d.id AND NOT e.done AND e.child_id NOT IN (SELECT id FROM doomed)
      OFFSET 0
    ) kid
    GROUP BY kid.child_id
  ) c
  WHERE w.id = c.child_id
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
