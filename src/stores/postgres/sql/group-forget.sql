-- Groups' upkeep, second statement (see group-prune-page.sql): of the locked page ($1 names, $2 groups), forget the
-- groups that went away (src/core/rules/groups.ts forgettable): no job pending (a seek of jobs_claim_group),
-- taking a slot (rules/claim.ts takesSlot; jobs_group_slots) or blocked (the name's blocked jobs, jobs_status_name),
-- and no claim of its rate key at or after $4 ($3: now). Their rate key's log goes with them. Returns the number.
WITH page AS (
  SELECT u.name, u.grp FROM unnest($1::text[], $2::text[]) AS u(name, grp)
),
gone AS (
  DELETE FROM {{schema}}.groups g USING page p
  WHERE g.name = p.name AND g.grp = p.grp COLLATE "C"
    AND NOT EXISTS (SELECT 1 FROM {{schema}}.jobs j
                    WHERE j.status = 'pending' AND j.grp IS NOT NULL AND j.name = g.name AND j.grp = g.grp)
    AND NOT EXISTS (SELECT 1 FROM {{schema}}.jobs j
                    WHERE j.grp IS NOT NULL AND j.lock_token IS NOT NULL AND j.name = g.name AND j.grp = g.grp
                      AND (j.status = 'running' OR (j.status = 'cancelled' AND j.locked_until >= $3::bigint)))
    AND NOT EXISTS (SELECT 1 FROM {{schema}}.jobs j WHERE j.status = 'blocked' AND j.name = g.name AND j.grp = g.grp)
    AND NOT EXISTS (SELECT 1 FROM {{schema}}.rate_starts s WHERE s.name = g.name AND s.rate_key = g.grp AND s.at >= $4::bigint)
  RETURNING g.name, g.grp
),
rates AS (
  DELETE FROM {{schema}}.rate_starts s USING gone WHERE s.name = gone.name AND s.rate_key = gone.grp
)
SELECT count(*)::integer AS forgotten FROM gone;
