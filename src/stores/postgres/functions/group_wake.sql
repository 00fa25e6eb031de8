-- group_wake(): when a group with nothing due to offer should be looked at again: the earliest due time of its
-- pending jobs (NULL: none), now or before when its due jobs all wait behind their dedupe keys, so the next
-- claim looks again. One seek per priority in use on jobs_claim_group (the first job of each), never a walk of
-- its backlog. Called by group_offers() for a group it sends back to waiting.
-- Runs under group_offers()'s settings (no JIT, generic plans; see group_level.sql).
CREATE OR REPLACE FUNCTION {{schema}}.group_wake(text, text)
RETURNS bigint
LANGUAGE plpgsql STABLE
AS $function$
DECLARE
  lvl bigint := 2147483648;
  first_at bigint;
  wake bigint;
BEGIN
  LOOP
    lvl := {{schema}}.group_level($1, $2, lvl);
    EXIT WHEN lvl IS NULL;
    SELECT j.next_run_at INTO first_at FROM {{schema}}.jobs j
    WHERE j.status = 'pending' AND j.grp IS NOT NULL AND j.name = ($1 COLLATE "default") AND j.grp = ($2 COLLATE "C")
    AND (j.name, j.grp) >= ($1 COLLATE "default", $2 COLLATE "C")
      AND j.priority = lvl
    ORDER BY j.name, j.grp, j.priority DESC, j.next_run_at, j.id
    LIMIT 1;
    IF wake IS NULL OR first_at < wake THEN
      wake := first_at;
    END IF;
  END LOOP;
  RETURN wake;
END
$function$;
