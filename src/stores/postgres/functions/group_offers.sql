-- group_offers(): the jobs one name's rotation offers a claim (src/core/rules/groups.ts), called by claim.sql for
-- each name it walks. Installed by the migrator (functions.ts) like claim_jobs().
--
-- $1 name, $2 want (the most the name may take in this claim: its allowance, at most the claim's limit),
-- $3 groupConcurrency (NULL: none), $4 now, $5 the ids of this name's grouped jobs whose lease ended, which
-- claim.sql recovers in the same statement: due now, and invisible here as pending (its snapshot), so they are
-- added to their groups by hand; $6/$7 the name's global rate per group (max, window in ms; NULL: none), which
-- limits each group's turns to its room in its window (src/core/rules/rate.ts).
--
-- Returns the offers in rotation order: round k of the round robin offers each group's k-th best due job, in
-- rotation order (least recently served, then group in byte order), skipping a group once its slots taken
-- (running, or cancelled with its lease held) plus its offers reach $3; at most $2 rows.
--
-- Cost: groups whose wake_at came are made ready (groups_wake, partial); ready groups are read in rotation order
-- and each locked (FOR UPDATE SKIP LOCKED: a group another claim is visiting is left to it, and no claim ever
-- waits on a group row, so none can deadlock on one); each has its slots counted (only under a cap, on
-- jobs_group_slots) and its first due jobs read one priority at a time (jobs_claim_group, a seek per priority in
-- use). A ready group with nothing due goes back to waiting until its next due time. The walk stops once round
-- one is full ($2 groups with room), so a claim reads the groups it serves, those at their cap (at most one per
-- running job) and those that ran dry since: never the idle ones, whatever their number.
CREATE OR REPLACE FUNCTION {{schema}}.group_offers(text, integer, integer, bigint, bigint[], integer, bigint)
RETURNS TABLE (id bigint, name text, priority integer, sort_at bigint, was_expired boolean, turn integer)
LANGUAGE plpgsql VOLATILE
SET jit = off
SET plan_cache_mode = force_generic_plan
AS $function$
#variable_conflict use_column
DECLARE
  g record;
  r record;
  lvl integer;
  above bigint;
  room integer;
  taken_slots integer;
  pending_n integer;
  recovered_n integer;
  wake bigint;
  first_at bigint;
  pos integer := 0;
  rooms integer[] := '{}';
  o_id bigint[] := '{}';
  o_priority integer[] := '{}';
  o_sort bigint[] := '{}';
  o_expired boolean[] := '{}';
  o_pos integer[] := '{}';
BEGIN
  IF $2 <= 0 THEN
    RETURN;
  END IF;
  -- Waiting groups whose time came, and the groups of recovered jobs, may have due work now. Rows another claim
  -- holds are skipped (it is visiting them).
  UPDATE {{schema}}.groups w SET ready = true, wake_at = NULL
  WHERE (w.name, w.grp) IN (SELECT x.name, x.grp FROM {{schema}}.groups x
                            WHERE x.name = $1 AND NOT x.ready AND x.wake_at IS NOT NULL AND x.wake_at <= $4
                            FOR UPDATE SKIP LOCKED);
  IF cardinality($5) > 0 THEN
    UPDATE {{schema}}.groups w SET ready = true, wake_at = NULL
    WHERE (w.name, w.grp) IN (SELECT x.name, x.grp FROM {{schema}}.groups x
                              WHERE x.name = $1 AND NOT x.ready
                                AND x.grp IN (SELECT j.grp FROM {{schema}}.jobs j WHERE j.id = ANY($5))
                              FOR UPDATE SKIP LOCKED);
  END IF;

  FOR g IN
    SELECT x.grp, x.served FROM {{schema}}.groups x
    WHERE x.name = $1 AND x.ready
    ORDER BY x.name, x.served, x.grp
    FOR UPDATE SKIP LOCKED
  LOOP
    taken_slots := 0;
    IF $3 IS NOT NULL THEN
      SELECT count(*) INTO taken_slots FROM {{schema}}.jobs j
      WHERE j.grp IS NOT NULL AND j.lock_token IS NOT NULL AND j.name = $1 AND j.grp = g.grp
        AND j.status IN ('running', 'cancelled') AND j.locked_until >= $4;
    END IF;
    room := CASE WHEN $3 IS NULL THEN $2 ELSE least($2, $3 - taken_slots) END;
    IF $6 IS NOT NULL THEN
      room := least(room, $6 - (SELECT coalesce(sum(s.n), 0) FROM {{schema}}.rate_starts s
                                WHERE s.name = $1 AND s.rate_key = g.grp AND s.at > $4 - $7));
    END IF;
    CONTINUE WHEN room <= 0;

    -- Its recovered jobs (due now), then its best `room` due pending jobs, one priority at a time: the best
    -- `room` of both are among these.
    recovered_n := 0;
    FOR r IN SELECT j.id, j.priority FROM {{schema}}.jobs j WHERE j.id = ANY($5) AND j.grp = g.grp LOOP
      o_id := o_id || r.id; o_priority := o_priority || r.priority; o_sort := o_sort || $4;
      o_expired := o_expired || true; o_pos := o_pos || pos;
      recovered_n := recovered_n + 1;
    END LOOP;
    pending_n := 0;
    wake := NULL;
    above := 2147483648;
    LOOP
      SELECT j.priority INTO lvl FROM {{schema}}.jobs j
      WHERE j.status = 'pending' AND j.grp IS NOT NULL AND j.name = $1 AND j.grp = g.grp AND j.priority < above
      ORDER BY j.name, j.grp, j.priority DESC
      LIMIT 1;
      EXIT WHEN NOT FOUND;
      FOR r IN
        SELECT j.id, j.priority, j.next_run_at FROM {{schema}}.jobs j
        WHERE j.status = 'pending' AND j.grp IS NOT NULL AND j.name = $1 AND j.grp = g.grp AND j.priority = lvl
          AND j.next_run_at <= $4
          -- Not a job queued behind another of its dedupe key (src/core/rules/dedupe.ts waitsForKey), as in
          -- claim.sql's ungrouped walk: left out before the rotation, it takes no turn and no room under the
          -- cap (src/core/rules/groups.ts). A group whose due jobs all wait finds nothing here and sleeps until
          -- its first pending job's due time below (now or before, counting those), so the next claim looks
          -- again. Scalar subqueries with LIMIT 1 (one seek each, only for keyed jobs; see claim.sql).
          AND (j.dedupe_waiting IS NULL OR (
                 SELECT 1 FROM {{schema}}.jobs o
                 WHERE o.dedupe_key = j.dedupe_waiting AND o.status IN ('pending', 'running') LIMIT 1) IS NULL)
          AND (coalesce(j.dedupe_key, j.dedupe_waiting) IS NULL OR (
                 SELECT 1 FROM {{schema}}.jobs o
                 WHERE o.dedupe_key = coalesce(j.dedupe_key, j.dedupe_waiting) AND o.status = 'cancelled'
                   AND o.lock_token IS NOT NULL AND o.locked_until >= $4 LIMIT 1) IS NULL)
        ORDER BY j.name, j.grp, j.priority DESC, j.next_run_at, j.id
        LIMIT room - pending_n
        FOR UPDATE SKIP LOCKED
      LOOP
        o_id := o_id || r.id; o_priority := o_priority || r.priority; o_sort := o_sort || r.next_run_at;
        o_expired := o_expired || false; o_pos := o_pos || pos;
        pending_n := pending_n + 1;
      END LOOP;
      EXIT WHEN pending_n >= room;
      IF pending_n + recovered_n = 0 THEN
        -- Nothing due so far: this priority's first job tells when it will be.
        SELECT j.next_run_at INTO first_at FROM {{schema}}.jobs j
        WHERE j.status = 'pending' AND j.grp IS NOT NULL AND j.name = $1 AND j.grp = g.grp AND j.priority = lvl
        ORDER BY j.name, j.grp, j.priority DESC, j.next_run_at, j.id
        LIMIT 1;
        IF FOUND AND (wake IS NULL OR first_at < wake) THEN
          wake := first_at;
        END IF;
      END IF;
      above := lvl;
    END LOOP;

    IF pending_n + recovered_n = 0 THEN
      UPDATE {{schema}}.groups x SET ready = false, wake_at = wake WHERE x.name = $1 AND x.grp = g.grp;
      CONTINUE;
    END IF;
    rooms := rooms || room;
    pos := pos + 1;
    EXIT WHEN pos >= $2;
  END LOOP;

  -- Round k offers each group's k-th best job (claim order within the group) while within its room, groups in
  -- rotation order.
  RETURN QUERY
  SELECT o.id, $1, o.priority, o.sort_at, o.was_expired, (row_number() OVER (ORDER BY o.round, o.pos))::integer - 1
  FROM (
    SELECT u.id, u.priority, u.sort_at, u.was_expired, u.pos,
           (row_number() OVER (PARTITION BY u.pos ORDER BY u.priority DESC, u.sort_at, u.id))::integer - 1 AS round
    FROM unnest(o_id, o_priority, o_sort, o_expired, o_pos) AS u(id, priority, sort_at, was_expired, pos)
  ) o
  WHERE o.round < rooms[o.pos + 1]
  ORDER BY o.round, o.pos
  LIMIT $2;
END
$function$;
