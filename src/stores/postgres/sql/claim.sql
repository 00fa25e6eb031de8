-- Claim a batch of due jobs for one worker, in ONE statement (one round trip, one snapshot):
--   1. recover: running jobs whose lock expired are locked (SKIP LOCKED: two claimers never both recover one),
--      get a 'failed' history row for the lost run, and go back to pending (due now) unless step 3 re-claims
--      them at once;
--   2. pick: due pending jobs, best first (priority DESC, next_run_at, id), skipping rows another claimer
--      holds (FOR UPDATE SKIP LOCKED) and paused names, at most each name's allowance (per-name limits);
--   3. take: the best `limit` of those become running with this worker's lock token.
-- Rows locked in step 2 but not taken in step 3 are unlocked when the statement's transaction ends.
-- Run by claim_jobs() (functions/claim_jobs.sql includes this file), which settle_and_claim() calls for its
-- second half: a change here reinstalls claim_jobs() at the next migrate().
--
-- Global per-name caps (define(name, { concurrency })) need the count of running jobs of that name to be
-- exact when we decide. A statement's snapshot is taken when it starts, so two claimers could both count
-- 4 of 5 running and both take one. The store therefore runs this statement, when a global cap is present,
-- in a transaction that first takes pg_advisory_xact_lock(hashtext(schema), hashtext(name)) for each capped
-- name (sorted, so two claimers never deadlock); the statement's snapshot then includes every claim that
-- committed before ours. We chose this over a counter row per name: a counter must also be kept right by
-- settle, cancel, remove and lock recovery, and one missed path would leak slots forever; the lock costs
-- three extra round trips, and only for claims that involve a globally capped name.
--
-- $1 now, $2 worker id, $3 lock token, $4 limit, $5 allowed names (NULL: any),
-- $6/$7/$8 capped names with their local free slots and global caps (NULL where none),
-- $9/$10 per-name lock lifetimes, $11 default lock lifetime, $12 NOTIFY channel, $13 the groupConcurrency of each
-- capped name in $6 (NULL where none), $14/$15/$16 its global rate limit: max, window (ms), per group (NULL where
-- none; src/core/rules/rate.ts). A name-wide rate's room in its window joins the name's allowance (`caps`); with
-- a rate per group, each group's room limits its turns (group_offers) and the ungrouped jobs share one window
-- (`walk.plain`). The caller logs the claims taken (rate_log()), and takes the name's advisory lock first, as
-- for a global cap, so two claimers never both count the same room.
--
-- Groups (src/core/rules/groups.ts, migration 015): grouped jobs are never read by the per-priority walk below
-- (it reads jobs_claim_plain, migration 015, which holds the ungrouped ones alone); each walked name's rotation offers them instead
-- (`offers`: group_offers(), functions/group_offers.sql), as many as the name may take, and they compete in
-- `pool` like any other. A recovered grouped job goes to its group's rotation (passed to group_offers, which
-- cannot see it as pending in this statement). The caller stamps the groups served (groups_served()).
-- Planner note: every pick must reach due work through an index seek and stop after `limit` rows, never sort the
-- backlog nor step over jobs that are not yet due. The claim index is ordered by name, priority, then due time: a
-- walk in that order with `next_run_at <= now` as a filter would step over every future job of a higher
-- priority, and an idle claim over every job waiting for later (measured: 7.8 ms per claim with 500,000 jobs due
-- tomorrow). So the pick goes one priority at a time: `levels` finds the priorities in use with one seek each
-- (a loose index scan: the first priority below the last one), and each level's due jobs are a range of the index
-- that ends at the first job not yet due. Cost: one seek per priority in use, whatever the backlog.
-- Each name is walked on its own with `name = <that name>` and `priority = <that level>` (the levels on
-- jobs_claim_name, each level's due range on jobs_claim_plain, its ungrouped half: migration 015)
-- (name, priority DESC, next_run_at, id), the only index with priority in it: jobs_claim (priority, due time
-- across names) let the planner answer these seeks with the name as a filter, stepping over other names' jobs
-- (seen in CI: 3,142 pages for one claim), so migration 013 dropped it. The reads are also ORDERed BY that
-- index's leading columns, though the equalities make it the same order. So the planner has no better choice
-- at any backlog size or in the generic plan. A worker
-- with a fallback handler (names NULL) walks by name only the names that need it (its capped names, names with
-- groups: their rotations, names of recovered jobs); every other name's due ungrouped jobs are read at once, one
-- priority at a time, on jobs_pending_any (-priority, ungrouped, next_run_at, id; migration 025), the walked and
-- paused names stepped over as a filter. So its claim costs the same beside 20,000 names as beside one (it walked
-- every name with pending jobs: 338 ms a claim beside 20,000 names with jobs due later); a paused or capped
-- name's due jobs at the priorities read are stepped over one by one, as on SQLite.
-- Each level locks up to its name's allowance (FOR UPDATE SKIP LOCKED); `chosen` keeps the best `limit`, and
-- the rows locked but not taken are unlocked when the statement's transaction ends. With due work at several
-- priorities of one name, more rows are locked than taken for that moment: a claimer beside us skips them.
-- The statement runs inside claim_jobs() / settle_and_claim() (functions/), which turn JIT off, price sorts out
-- (so a table without statistics still seeks `levels` on jobs_claim_name in order) and ask for the generic
-- plan: the plan is the same for every call, and JIT compiling it cost 52 of 55 ms per claim once the planner's
-- estimate passed jit_above_cost at a million rows.
-- `expired` reads jobs_running (locked_until, running jobs only) from its start to now: a seek that finds only the
-- runs whose lease ended. Its ORDER BY is that index's order, so with sorts priced out (see above) no other
-- index can serve it: statistics taken while nothing ran made the generic plan read jobs_status_name's whole
-- 'running' range with locked_until as a filter, so every claim read every running job's entry (375 pages at
-- 20,000 running; test/stores/postgres.lease-plan.test.ts).
WITH RECURSIVE expired AS MATERIALIZED (
  SELECT id, name, attempts, last_run_at, locked_by, grp
  FROM {{schema}}.jobs
  WHERE status = 'running' AND locked_until < $1
  ORDER BY locked_until
  FOR UPDATE SKIP LOCKED
),
paused AS MATERIALIZED (
  SELECT ARRAY(SELECT name FROM {{schema}}.paused) AS names
),
-- Per-name allowance: local free slots, and the global cap minus the slots taken now (least() ignores NULLs):
-- running jobs, and jobs cancelled while running whose run still holds its lease (src/core/rules/claim.ts,
-- takesSlot; counted on jobs_cancelled_held, migration 010, which holds only those).
caps AS MATERIALIZED (
  SELECT c.name,
         coalesce(least(c.local_free,
                        c.global_cap - CASE WHEN c.global_cap IS NULL THEN NULL ELSE (
                          SELECT count(*) FROM {{schema}}.jobs j
                          WHERE j.status = 'running' AND j.name = c.name AND j.locked_until >= $1) + (
                          SELECT count(*) FROM {{schema}}.jobs j
                          WHERE j.status = 'cancelled' AND j.lock_token IS NOT NULL AND j.name = c.name
                            AND j.locked_until >= $1) END,
                        -- A name-wide global rate: its room in the window (a range of rate_starts' key).
                        CASE WHEN c.rate_max IS NULL OR c.rate_by_group THEN NULL ELSE c.rate_max - (
                          SELECT coalesce(sum(r.n), 0) FROM {{schema}}.rate_starts r
                          WHERE r.name = c.name AND r.rate_key = '' AND r.at > $1 - c.rate_per) END),
                  $4) AS cap,
         -- With a rate per group, the ungrouped jobs' shared window.
         CASE WHEN c.rate_by_group THEN greatest(c.rate_max - (
           SELECT coalesce(sum(r.n), 0) FROM {{schema}}.rate_starts r
           WHERE r.name = c.name AND r.rate_key = '' AND r.at > $1 - c.rate_per), 0) END AS plain,
         c.group_cap,
         CASE WHEN c.rate_by_group THEN c.rate_max END AS group_rate_max,
         CASE WHEN c.rate_by_group THEN c.rate_per END AS group_rate_per
  FROM unnest($6::text[], $7::int[], $8::int[], $13::int[], $14::int[], $15::bigint[], $16::boolean[])
    AS c(name, local_free, global_cap, group_cap, rate_max, rate_per, rate_by_group)
  WHERE $5::text[] IS NULL OR c.name = ANY($5::text[])
),
-- A fallback handler's names with groups (their rotations offer their grouped jobs), in name order: one seek
-- each into the groups table's key.
names_grouped AS (
  SELECT (SELECT g.name FROM {{schema}}.groups g ORDER BY g.name LIMIT 1) AS name
  WHERE $5::text[] IS NULL AND $4 > 0
  UNION ALL
  SELECT (SELECT g.name FROM {{schema}}.groups g WHERE g.name > n.name ORDER BY g.name LIMIT 1)
  FROM names_grouped n
  WHERE n.name IS NOT NULL
),
-- Names walked one by one: the worker's names, or (fallback handler) those whose caps or rotation apply to
-- their jobs; a fallback handler's other names are read all at once (`picked_any`).
walk AS MATERIALIZED (
  SELECT n.name, least(greatest(coalesce(c.cap, $4), 0), $4) AS cap,
         least(greatest(coalesce(c.cap, $4), 0), $4, c.plain) AS plain,
         c.group_cap, c.group_rate_max, c.group_rate_per
  FROM (SELECT DISTINCT unnest($5::text[]) AS name
        UNION SELECT c.name FROM caps c WHERE $5::text[] IS NULL
        UNION SELECT name FROM names_grouped WHERE name IS NOT NULL
        -- A fallback handler's name whose only work is a recovered job: its caps and rotation apply to it.
        UNION SELECT e.name FROM expired e WHERE $5::text[] IS NULL) n
  CROSS JOIN paused p
  LEFT JOIN caps c ON c.name = n.name
  WHERE n.name <> ALL(p.names)
),
-- The priorities in use by each walked name, highest first (one seek each; see the planner note).
levels AS (
  SELECT w.name, w.plain AS cap,
         (SELECT j.priority FROM {{schema}}.jobs j WHERE j.status = 'pending' AND j.name = w.name
          ORDER BY j.name, j.priority DESC LIMIT 1) AS priority
  FROM walk w
  WHERE w.plain > 0
  UNION ALL
  SELECT l.name, l.cap,
         (SELECT j.priority FROM {{schema}}.jobs j WHERE j.status = 'pending' AND j.name = l.name AND j.priority < l.priority
          ORDER BY j.name, j.priority DESC LIMIT 1)
  FROM levels l
  WHERE l.priority IS NOT NULL
),
picked_named AS MATERIALIZED (
  SELECT x.id, x.name, x.priority, x.next_run_at AS sort_at
  FROM levels l CROSS JOIN LATERAL (
    SELECT j.id, j.name, j.priority, j.next_run_at
    FROM {{schema}}.jobs j
    WHERE j.status = 'pending' AND j.grp IS NULL AND j.name = l.name AND j.priority = l.priority AND j.next_run_at <= $1
      -- Not a job queued behind another of its dedupe key (the fragment's comment; group_due() applies the same
      -- check to grouped jobs, before the rotation).
      AND {{fragment may-start-keyed now=$1}}
    ORDER BY j.name, j.priority DESC, j.next_run_at, j.id
    LIMIT l.cap
    FOR UPDATE SKIP LOCKED
  ) x
  WHERE l.priority IS NOT NULL
),
-- A fallback handler's other names, all at once: the priorities in use among pending jobs, highest first (one
-- seek each on jobs_pending_any, keyed on -priority: migration 025 says why), ...
levels_any AS (
  SELECT (SELECT -j.priority FROM {{schema}}.jobs j WHERE j.status = 'pending'
          ORDER BY -j.priority LIMIT 1) AS negp
  WHERE $5::text[] IS NULL AND $4 > 0
  UNION ALL
  SELECT (SELECT -j.priority FROM {{schema}}.jobs j WHERE j.status = 'pending' AND -j.priority > l.negp
          ORDER BY -j.priority LIMIT 1)
  FROM levels_any l
  WHERE l.negp IS NOT NULL
),
-- ... and each one's due ungrouped jobs, a range of that index, but for the names walked one by one and the
-- paused ones.
picked_any AS MATERIALIZED (
  SELECT x.id, x.name, x.priority, x.next_run_at AS sort_at
  FROM levels_any l
  CROSS JOIN (SELECT p.names || ARRAY(SELECT w.name FROM walk w) AS names FROM paused p) skip
  CROSS JOIN LATERAL (
    SELECT j.id, j.name, j.priority, j.next_run_at
    FROM {{schema}}.jobs j
    WHERE j.status = 'pending' AND -j.priority = l.negp AND j.grp IS NULL AND j.next_run_at <= $1
      AND j.name <> ALL(skip.names)
      AND {{fragment may-start-keyed now=$1}}
    ORDER BY -j.priority, (j.grp IS NULL), j.next_run_at, j.id
    LIMIT $4
    FOR UPDATE SKIP LOCKED
  ) x
  WHERE l.negp IS NOT NULL
),
-- Each walked name's rotation: its grouped due jobs, as many as it may take (see above).
offers AS MATERIALIZED (
  SELECT o.id, o.name, o.priority, o.sort_at, o.was_expired
  FROM walk w
  CROSS JOIN LATERAL {{schema}}.group_offers(w.name, w.cap::integer, w.group_cap, $1::bigint,
    ARRAY(SELECT e.id FROM expired e WHERE e.name = w.name AND e.grp IS NOT NULL), w.group_rate_max, w.group_rate_per) o
  -- A name that never had a group costs one seek of the groups table's key, nothing more.
  WHERE w.cap > 0 AND EXISTS (SELECT 1 FROM {{schema}}.groups x WHERE x.name = w.name)
),
pool AS (
  SELECT id, name, priority, sort_at, false AS was_expired, false AS grouped FROM picked_named
  UNION ALL
  SELECT id, name, priority, sort_at, false, false FROM picked_any
  UNION ALL
  SELECT id, name, priority, sort_at, was_expired, true FROM offers
  UNION ALL
  -- A recovered job is due now: it competes like any other, and counts against its name's caps.
  SELECT j.id, j.name, j.priority, $1::bigint, true, false
  FROM expired e JOIN {{schema}}.jobs j ON j.id = e.id CROSS JOIN paused p
  WHERE ($5::text[] IS NULL OR e.name = ANY($5::text[]))
    AND e.name <> ALL(p.names)
    -- A grouped one is offered by its group's rotation.
    AND e.grp IS NULL
),
chosen AS MATERIALIZED (
  SELECT r.id, r.name, r.priority, r.sort_at, r.was_expired
  FROM (SELECT k.*, row_number() OVER (PARTITION BY k.name ORDER BY priority DESC, sort_at, id) AS rank
        FROM (SELECT pool.*,
                     row_number() OVER (PARTITION BY pool.name, pool.grouped ORDER BY priority DESC, sort_at, id) AS kind_rank
              FROM pool) k
        LEFT JOIN caps kc ON kc.name = k.name
        -- With a rate per group, the ungrouped jobs within their shared window's room.
        WHERE k.grouped OR kc.plain IS NULL OR k.kind_rank <= kc.plain) r
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
      -- A recovered job re-claimed at once was still recovered first: it says why its last run ended.
      last_error = CASE WHEN c.was_expired THEN {{lost_run_before}} || coalesce(j.locked_by, '?') || {{lost_run_after}}
                        ELSE j.last_error END,
      last_error_stack = CASE WHEN c.was_expired THEN NULL ELSE j.last_error_stack END,
      -- A newcomer that waited behind a running job of its key (replace) now holds the key in jobs_dedupe.
      dedupe_key = coalesce(j.dedupe_key, j.dedupe_waiting),
      dedupe_waiting = NULL,
      updated_at = $1
  FROM chosen c
  LEFT JOIN unnest($9::text[], $10::bigint[]) AS lt(name, ms) ON lt.name = c.name
  WHERE j.id = c.id
    -- Redundant, but it makes the planner fetch the rows by primary key: the generic plan cannot know that
    -- `chosen` holds at most $4 rows, and with a few thousand rows in jobs it judged a hash join over a
    -- sequential scan of the whole table cheaper (measured: 2-6 ms per claim at 20,000 rows, growing with
    -- the table, against 0.1 ms).
    AND j.id = ANY(ARRAY(SELECT id FROM chosen))
  RETURNING j AS job, c.sort_at
),
released AS (
  UPDATE {{schema}}.jobs j
  SET status = 'pending', next_run_at = $1, lock_token = NULL, locked_by = NULL, locked_until = NULL,
      last_error = {{lost_run_before}} || coalesce(e.locked_by, '?') || {{lost_run_after}},
      last_error_stack = NULL,
      updated_at = $1
  FROM expired e
  WHERE j.id = e.id AND e.id NOT IN (SELECT id FROM chosen)
  RETURNING j.id
),
lost AS (
  INSERT INTO {{schema}}.history (job_id, status, attempt, started_at, completed_at, duration, error, result, worker_id)
  SELECT e.id, 'failed', e.attempts, coalesce(e.last_run_at, $1), $1, $1 - coalesce(e.last_run_at, $1),
         {{lost_run_before}} || coalesce(e.locked_by, '?') || {{lost_run_after}}, NULL, coalesce(e.locked_by, '?')
  FROM expired e
  -- In job insertion (id) order, as core's model writes them (prune takes history oldest first by insertion);
  -- the ids of the new rows are drawn in this order. `expired` comes in no particular order.
  ORDER BY e.id
),
-- Released jobs are due now: wake the other processes (a hint; they poll anyway).
wake AS (
  SELECT count(pg_notify($12, 'recovered')) AS n
  FROM (SELECT 1 FROM released LIMIT 1) r
)
-- `wake` is on the preserved side of a LEFT JOIN so it runs even when nothing is claimed (a plain SELECT
-- CTE runs only if read); the row of NULLs that then comes back is dropped by the store.
-- Rows come back as exactly the columns of jobs ((c.job).*), so settle_and_claim() can
-- return this statement's rows as SETOF jobs.
SELECT (c.job).*
FROM wake
LEFT JOIN claimed c ON true
ORDER BY (c.job).priority DESC, c.sort_at, (c.job).id;
