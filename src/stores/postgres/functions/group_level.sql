-- group_level(): the highest priority below $3 at which group $2 of name $1 has a pending job (NULL: none). One
-- seek of jobs_claim_group; group_due() and group_wake() step down a group's priorities with it. The collations
-- and the row comparison steer the generic plan to that index (see group_due.sql). PL/pgSQL rather than SQL so its plan is
-- cached for the session; like group_due() and group_wake() it runs under group_offers()'s settings (no JIT,
-- generic plans) and has no SET clause of its own, which would cost a settings save and restore per call.
CREATE OR REPLACE FUNCTION {{schema}}.group_level(text, text, bigint)
RETURNS integer
LANGUAGE plpgsql STABLE
AS $function$
BEGIN
  RETURN (SELECT j.priority FROM {{schema}}.jobs j
          WHERE j.status = 'pending' AND j.grp IS NOT NULL AND j.name = ($1 COLLATE "default") AND j.grp = ($2 COLLATE "C")
    AND (j.name, j.grp) >= ($1 COLLATE "default", $2 COLLATE "C")
            AND j.priority < $3
          ORDER BY j.name, j.grp, j.priority DESC
          LIMIT 1);
END
$function$;
