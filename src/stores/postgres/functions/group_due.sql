-- group_due(): a group's next due pending jobs in claim order (priority, then due time, then id), after a cursor,
-- locked (FOR UPDATE SKIP LOCKED: a job another claim holds is left to it). Called by group_offers(), which reads
-- a group's jobs a few at a time (its fair share of the claim) and comes back for more after the last one read.
--
-- $1 name, $2 group, $3 now, $4 how many at most, $5/$6/$7 the cursor: the priority, due time and id of the last
-- job read (NULL: from the start).
--
-- Cost: one seek per priority in use on jobs_claim_group, and a range read of its due jobs that stops at $4 rows:
-- never a walk of jobs not yet due at a higher priority. Jobs queued behind another of their dedupe key
-- (src/core/rules/dedupe.ts waitsForKey) are left out here, as in claim.sql's ungrouped walk: they take no turn
-- and no room under the group's cap (src/core/rules/groups.ts).
--
-- Each read names the collations and carries a row comparison, so the generic plans reach jobs_claim_group
-- whatever the statistics (pinned by test/stores/postgres.group-nested-plan.ts, with and without them):
-- - `j.name = ($1 COLLATE "default") AND j.grp = ($2 COLLATE "C")`: a PL/pgSQL function's text parameters take
--   the collation of the call's arguments, and group_offers() passes a group read from groups.grp (COLLATE "C").
--   Without the explicit collations the name's comparison no longer matched the indexes' collation, and the
--   planner walked an index with the name as a filter.
-- - `(j.name, j.grp) >= (...)`, which the equalities already imply: a row comparison is an index condition only
--   on an index led by (name, grp), so it prices jobs_claim_name (name, priority, ...) above jobs_claim_group.
--   Without it, on a table without statistics both estimate one row and the planner picked jobs_claim_name,
--   reading the group as a filter: each group visited walked the name's due jobs of every group.
-- Runs under group_offers()'s settings (no JIT, generic plans; see group_level.sql).
CREATE OR REPLACE FUNCTION {{schema}}.group_due(text, text, bigint, integer, integer, bigint, bigint)
RETURNS TABLE (id bigint, priority integer, next_run_at bigint)
LANGUAGE plpgsql VOLATILE
AS $function$
#variable_conflict use_column
DECLARE
  r record;
  lvl integer;
  after_at bigint := -9223372036854775808;
  after_id bigint := -9223372036854775808;
  got integer := 0;
BEGIN
  IF $4 <= 0 THEN
    RETURN;
  END IF;
  IF $5 IS NULL THEN
    lvl := {{schema}}.group_level($1, $2, 2147483648);
    IF lvl IS NULL THEN
      RETURN;
    END IF;
  ELSE
    lvl := $5; after_at := $6; after_id := $7;
  END IF;
  LOOP
    FOR r IN
      SELECT j.id, j.priority, j.next_run_at FROM {{schema}}.jobs j
      WHERE j.status = 'pending' AND j.grp IS NOT NULL AND j.name = ($1 COLLATE "default") AND j.grp = ($2 COLLATE "C")
    AND (j.name, j.grp) >= ($1 COLLATE "default", $2 COLLATE "C")
        AND j.priority = lvl AND j.next_run_at <= $3 AND (j.next_run_at, j.id) > (after_at, after_id)
        AND {{fragment may-start-keyed now=$3}}
      ORDER BY j.name, j.grp, j.priority DESC, j.next_run_at, j.id
      LIMIT $4 - got
      FOR UPDATE SKIP LOCKED
    LOOP
      id := r.id; priority := r.priority; next_run_at := r.next_run_at;
      RETURN NEXT;
      got := got + 1;
    END LOOP;
    EXIT WHEN got >= $4;
    lvl := {{schema}}.group_level($1, $2, lvl);
    EXIT WHEN lvl IS NULL;
    after_at := -9223372036854775808; after_id := -9223372036854775808;
  END LOOP;
END
$function$;
