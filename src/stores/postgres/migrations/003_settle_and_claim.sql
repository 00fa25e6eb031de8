-- hourglass on PostgreSQL, version 3: settle_and_claim(), the store's settleAndClaim() in one call.
--
-- The worker hands the outcomes that ended since its last claim to its next claim. Applying them and claiming
-- must be one atomic operation in one round trip, and the claim must see the outcomes applied: a retry due
-- now is claimable, and a settled job of a globally capped name no longer counts against the cap.
--
-- Why a function, and not the alternatives (measured with 10,000 jobs, batches of 20 and 40, one connection;
-- jobs/s, two runs each on the shared 2-core box):
--   * settle.sql and claim.sql as CTEs of ONE statement: all CTEs share the statement's snapshot, so the
--     claim would still see the settling jobs as running: a retry due now would wait for the next claim, and
--     a capped name would count its settling jobs as running (its slot would free one claim late). That is not
--     "the claim sees the settlements", so it was not measured.
--   * pipelining BEGIN / settle / claim / COMMIT on one connection (pg 8.23's `pipeline` client option):
--     one round trip too, 5,500-8,300 (batch 20) and 9,800-11,300 (batch 40), but only with pg >= 8.23 and
--     only on a pool created with that option; any other pool would need four round trips.
--   * this function: 6,100-11,800 (batch 20) and 9,400-10,600 (batch 40), on any pool and any pg 8.
--   * settle() then claim(), for reference: 3,600-5,300 and 6,800-8,400.
-- Inside the function each statement takes a fresh snapshot (READ COMMITTED), so the claim sees the settle.
--
-- The two statements below are settle.sql and claim.sql word for word (comments aside), settle's parameters
-- renumbered ($1 -> $13, $2 -> $12). A test compares them with the files: change either file and that test
-- fails until a new migration redefines this function with the new text (CREATE OR REPLACE FUNCTION).
--
-- Parameters: $1..$12 as claim.sql; $13 the settlements as settle.sql's $1 (a JSON array); $14 the schema
-- name and $15 the globally capped names this claim involves, sorted (empty: none), for the advisory locks
-- described in claim.sql. Those locks are taken AFTER the settle: the settle may wait on a row lock of a
-- claimer that holds them (it recovering one of our expired jobs), and that claimer never waits on us (it
-- skips locked rows), so this order cannot deadlock.
--
-- Returns rows of jobs: first one row per applied settlement with only `id` set, to that settlement's `i` (its
-- position in $13; status NULL, which no stored job has), then claim.sql's rows (claimed jobs, or one row of
-- NULLs when none).
CREATE FUNCTION {{schema}}.settle_and_claim(
  bigint, text, text, integer, text[], text[], integer[], integer[], text[], bigint[], bigint, text,
  jsonb, text, text[]
) RETURNS SETOF {{schema}}.jobs
LANGUAGE plpgsql VOLATILE AS $function$
DECLARE
  applied_i integer;
  settled {{schema}}.jobs;
BEGIN
  IF jsonb_array_length($13) > 0 THEN
    FOR applied_i IN
      WITH input AS (
        SELECT *
        FROM jsonb_to_recordset($13::jsonb) AS s(
          i integer, id bigint, lock_token text, status text, next_run_at bigint, due_at bigint, attempts integer,
          set_result boolean, result jsonb, set_error boolean, last_error text, finished_at bigint, history jsonb)
      ),
      applied AS (
        UPDATE {{schema}}.jobs j
        SET status      = CASE WHEN j.status = 'cancelled' THEN 'cancelled' ELSE s.status END,
            next_run_at = CASE WHEN j.status = 'cancelled' THEN j.next_run_at ELSE coalesce(s.next_run_at, j.next_run_at) END,
            due_at      = CASE WHEN j.status = 'cancelled' THEN j.due_at ELSE coalesce(s.due_at, j.due_at) END,
            attempts    = CASE WHEN j.status = 'cancelled' THEN j.attempts ELSE coalesce(s.attempts, j.attempts) END,
            result      = CASE WHEN s.set_result THEN s.result ELSE j.result END,
            last_error  = CASE WHEN s.set_error THEN s.last_error ELSE j.last_error END,
            last_finished_at = s.finished_at,
            lock_token = NULL, locked_by = NULL, locked_until = NULL,
            updated_at = s.finished_at
        FROM input s
        WHERE j.id = s.id AND j.lock_token = s.lock_token AND j.status IN ('running', 'cancelled')
          AND j.id = ANY(ARRAY(SELECT id FROM input))
        RETURNING s.i, j.id, j.status, j.next_run_at, s.finished_at, s.history
      ),
      recorded AS (
        INSERT INTO {{schema}}.history (job_id, status, attempt, started_at, completed_at, duration, error, result, worker_id)
        SELECT a.id, CASE WHEN a.status = 'cancelled' THEN 'cancelled' ELSE h.status END, h.attempt, h.started_at,
               h.completed_at, h.completed_at - h.started_at, h.error, h.result, h.worker_id
        FROM applied a
        CROSS JOIN LATERAL jsonb_to_record(a.history) AS h(
          status text, attempt integer, started_at bigint, completed_at bigint, error text, result jsonb, worker_id text)
        WHERE jsonb_typeof(a.history) = 'object'
      ),
      wake AS (
        SELECT count(pg_notify($12, 'retry')) AS n
        FROM (SELECT 1 FROM applied WHERE status = 'pending' AND next_run_at <= finished_at LIMIT 1) r
      )
      SELECT a.i
      FROM wake
      LEFT JOIN applied a ON true
    LOOP
      IF applied_i IS NOT NULL THEN
        settled.id := applied_i;
        RETURN NEXT settled;
      END IF;
    END LOOP;
  END IF;

  PERFORM pg_advisory_xact_lock(hashtext($14), hashtext(n)) FROM unnest($15::text[]) AS n;

  RETURN QUERY
  WITH expired AS MATERIALIZED (
    SELECT id, name, attempts, last_run_at, locked_by
    FROM {{schema}}.jobs
    WHERE status = 'running' AND locked_until < $1
    FOR UPDATE SKIP LOCKED
  ),
  paused AS MATERIALIZED (
    SELECT ARRAY(SELECT name FROM {{schema}}.paused) AS names
  ),
  caps AS MATERIALIZED (
    SELECT c.name,
           coalesce(least(c.local_free,
                          c.global_cap - CASE WHEN c.global_cap IS NULL THEN NULL ELSE (
                            SELECT count(*) FROM {{schema}}.jobs j
                            WHERE j.status = 'running' AND j.name = c.name AND j.locked_until >= $1) END),
                    $4) AS cap
    FROM unnest($6::text[], $7::int[], $8::int[]) AS c(name, local_free, global_cap)
    WHERE $5::text[] IS NULL OR c.name = ANY($5::text[])
  ),
  walk AS MATERIALIZED (
    SELECT n.name, least(greatest(coalesce(c.cap, $4), 0), $4) AS cap
    FROM (SELECT DISTINCT unnest(coalesce($5::text[], $6::text[])) AS name) n
    CROSS JOIN paused p
    LEFT JOIN caps c ON c.name = n.name
    WHERE n.name <> ALL(p.names)
  ),
  picked_named AS MATERIALIZED (
    SELECT x.id, x.name, x.priority, x.next_run_at AS sort_at
    FROM walk w CROSS JOIN LATERAL (
      SELECT j.id, j.name, j.priority, j.next_run_at
      FROM {{schema}}.jobs j
      WHERE j.status = 'pending' AND j.name = w.name AND j.next_run_at <= $1
      ORDER BY j.priority DESC, j.next_run_at, j.id
      LIMIT w.cap
      FOR UPDATE SKIP LOCKED
    ) x
  ),
  picked_any AS MATERIALIZED (
    SELECT j.id, j.name, j.priority, j.next_run_at AS sort_at
    FROM {{schema}}.jobs j
    WHERE $5::text[] IS NULL
      AND j.status = 'pending' AND j.next_run_at <= $1
      AND (j.name || '') <> ALL($6::text[])
      AND (j.name || '') <> ALL(ARRAY(SELECT name FROM {{schema}}.paused))
    ORDER BY j.priority DESC, j.next_run_at, j.id
    LIMIT $4
    FOR UPDATE SKIP LOCKED
  ),
  pool AS (
    SELECT id, name, priority, sort_at, false AS was_expired FROM picked_named
    UNION ALL
    SELECT id, name, priority, sort_at, false FROM picked_any
    UNION ALL
    SELECT j.id, j.name, j.priority, $1::bigint, true
    FROM expired e JOIN {{schema}}.jobs j ON j.id = e.id CROSS JOIN paused p
    WHERE ($5::text[] IS NULL OR e.name = ANY($5::text[]))
      AND e.name <> ALL(p.names)
  ),
  chosen AS MATERIALIZED (
    SELECT r.id, r.name, r.priority, r.sort_at, r.was_expired
    FROM (SELECT pool.*, row_number() OVER (PARTITION BY pool.name ORDER BY priority DESC, sort_at, id) AS rank
          FROM pool) r
    LEFT JOIN caps c ON c.name = r.name
    WHERE c.name IS NULL OR r.rank <= c.cap
    ORDER BY r.priority DESC, r.sort_at, r.id
    LIMIT $4
  ),
  claimed AS (
    UPDATE {{schema}}.jobs j
    SET status = 'running',
        attempts = j.attempts + 1,
        next_run_at = CASE WHEN c.was_expired THEN $1 ELSE j.next_run_at END,
        last_run_at = $1,
        lock_token = $3,
        locked_by = $2,
        locked_until = $1 + coalesce(lt.ms, $11::bigint),
        updated_at = $1
    FROM chosen c
    LEFT JOIN unnest($9::text[], $10::bigint[]) AS lt(name, ms) ON lt.name = c.name
    WHERE j.id = c.id
      AND j.id = ANY(ARRAY(SELECT id FROM chosen))
    RETURNING j AS job, c.sort_at
  ),
  released AS (
    UPDATE {{schema}}.jobs j
    SET status = 'pending', next_run_at = $1, lock_token = NULL, locked_by = NULL, locked_until = NULL,
        last_error = 'lock expired: worker ' || coalesce(e.locked_by, '?') || ' stopped renewing it',
        updated_at = $1
    FROM expired e
    WHERE j.id = e.id AND e.id NOT IN (SELECT id FROM chosen)
    RETURNING j.id
  ),
  lost AS (
    INSERT INTO {{schema}}.history (job_id, status, attempt, started_at, completed_at, duration, error, result, worker_id)
    SELECT e.id, 'failed', e.attempts, coalesce(e.last_run_at, $1), $1, $1 - coalesce(e.last_run_at, $1),
           'lock expired: worker ' || coalesce(e.locked_by, '?') || ' stopped renewing it', NULL, coalesce(e.locked_by, '?')
    FROM expired e
  ),
  wake AS (
    SELECT count(pg_notify($12, 'recovered')) AS n
    FROM (SELECT 1 FROM released LIMIT 1) r
  )
  SELECT (c.job).*
  FROM wake
  LEFT JOIN claimed c ON true
  ORDER BY (c.job).priority DESC, c.sort_at, (c.job).id;
END
$function$;
