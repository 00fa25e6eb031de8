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
-- jobs_group_slots) and its first due job read (group_due(), a seek per priority in use on jobs_claim_group). A
-- ready group with nothing due goes back to waiting until its next due time (group_wake()). The walk stops once
-- round one is full ($2 groups with room), so a claim reads the groups it serves, those at their cap (at most one
-- per running job) and those that ran dry since: never the idle ones, whatever their number.
--
-- Then the groups found are read further, as far as the claim can use: the round robin's slots are counted in
-- order (round, then position) and each group reads on (group_due()'s cursor) only for the slots the claim
-- still needs. So a claim locks about $2 jobs, not $2 per group: with 100 groups of 200 due jobs and $2 = 108,
-- it reads one each and then 8 more, where reading each group's room read 10,800.
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
  room integer;
  taken_slots integer;
  recovered_n integer;
  got integer;
  want integer;
  c_priority integer;
  c_at bigint;
  c_id bigint;
  n integer := 0;
  t integer := 1;
  cut integer := 1;
  total integer;
  short integer;
  added integer;
  grown boolean;
  -- Per group found, by position in the rotation (1-based): its group, room, recovered jobs, pending jobs read,
  -- whether it has no more due (a read came back short), and the cursor of its last pending job read.
  gg_grp text[] := '{}';
  gg_room integer[] := '{}';
  gg_rec integer[] := '{}';
  gg_pend integer[] := '{}';
  gg_done boolean[] := '{}';
  gg_priority integer[] := '{}';
  gg_at bigint[] := '{}';
  gg_id bigint[] := '{}';
  -- The offers: job, priority and claim-order time, recovered or not, and its group's position (0-based).
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

  -- Round one: the groups in rotation order with room and a due job, up to $2 of them.
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

    -- Its recovered jobs (due now), then its best due pending job.
    recovered_n := 0;
    IF cardinality($5) > 0 THEN
      FOR r IN SELECT j.id, j.priority FROM {{schema}}.jobs j WHERE j.id = ANY($5) AND j.grp = g.grp LOOP
        o_id := o_id || r.id; o_priority := o_priority || r.priority; o_sort := o_sort || $4;
        o_expired := o_expired || true; o_pos := o_pos || n;
        recovered_n := recovered_n + 1;
      END LOOP;
    END IF;
    got := 0;
    c_priority := NULL; c_at := NULL; c_id := NULL;
    FOR r IN SELECT d.id, d.priority, d.next_run_at FROM {{schema}}.group_due($1, g.grp, $4, 1, NULL, NULL, NULL) d LOOP
      o_id := o_id || r.id; o_priority := o_priority || r.priority; o_sort := o_sort || r.next_run_at;
      o_expired := o_expired || false; o_pos := o_pos || n;
      c_priority := r.priority; c_at := r.next_run_at; c_id := r.id;
      got := got + 1;
    END LOOP;
    IF got + recovered_n = 0 THEN
      UPDATE {{schema}}.groups x SET ready = false, wake_at = {{schema}}.group_wake($1, g.grp) WHERE x.name = $1 AND x.grp = g.grp;
      CONTINUE;
    END IF;
    gg_grp := gg_grp || g.grp; gg_room := gg_room || room; gg_rec := gg_rec || recovered_n;
    gg_pend := gg_pend || got; gg_done := gg_done || (got = 0);
    gg_priority := gg_priority || c_priority; gg_at := gg_at || c_at; gg_id := gg_id || c_id;
    n := n + 1;
    EXIT WHEN n >= $2;
  END LOOP;

  -- Further rounds. The slots of the round robin, in order (round, then position), are known up to a prefix:
  -- round t of the groups before position `cut`, and the t rounds before it of every group. A group not done
  -- has read min(its rounds known, room) pending jobs, so the offers in the prefix are the same as if it had read
  -- them all. While the prefix holds fewer than $2 offers, it grows by the shortfall, one slot per group that may
  -- fill it, in slot order; those groups read on, and the prefix is counted again (a group that ran dry leaves
  -- its slots empty, and the next turn of the loop fills them further on).
  LOOP
    total := 0;
    FOR k IN 1..n LOOP
      total := total + least(gg_room[k], gg_rec[k] + gg_pend[k], t + (k < cut)::integer);
    END LOOP;
    EXIT WHEN total >= $2;
    short := $2 - total;
    grown := false;
    WHILE short > 0 LOOP
      added := 0;
      FOR k IN cut..n LOOP
        -- Group k's next slot (round t) can be filled: within its room, and it has or may have a job for it.
        CONTINUE WHEN gg_room[k] <= t OR (gg_done[k] AND gg_rec[k] + gg_pend[k] <= t);
        added := added + 1;
        short := short - 1;
        IF short = 0 THEN
          cut := k + 1;
          EXIT;
        END IF;
      END LOOP;
      grown := grown OR added > 0;
      IF short > 0 THEN
        -- Round t is now known to its end. A whole round with no slot to fill: no group can give more.
        EXIT WHEN added = 0 AND cut = 1;
        t := t + 1;
        cut := 1;
      END IF;
    END LOOP;
    EXIT WHEN NOT grown;
    FOR k IN 1..n LOOP
      CONTINUE WHEN gg_done[k];
      want := least(t + (k < cut)::integer, gg_room[k]) - gg_pend[k];
      CONTINUE WHEN want <= 0;
      got := 0;
      FOR r IN SELECT d.id, d.priority, d.next_run_at
               FROM {{schema}}.group_due($1, gg_grp[k], $4, want, gg_priority[k], gg_at[k], gg_id[k]) d LOOP
        o_id := o_id || r.id; o_priority := o_priority || r.priority; o_sort := o_sort || r.next_run_at;
        o_expired := o_expired || false; o_pos := o_pos || (k - 1);
        gg_priority[k] := r.priority; gg_at[k] := r.next_run_at; gg_id[k] := r.id;
        got := got + 1;
      END LOOP;
      gg_pend[k] := gg_pend[k] + got;
      gg_done[k] := got < want;
    END LOOP;
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
  WHERE o.round < gg_room[o.pos + 1]
  ORDER BY o.round, o.pos
  LIMIT $2;
END
$function$;
