-- groups_served(): stamp the groups whose jobs a claim just took (src/core/rules/groups.ts), called by claim_jobs()
-- and settle_and_claim() after claim.sql, only when they took a grouped job. $1: the ids of the jobs taken.
--
-- The rule stamps the groups in the order of their last job taken in the rotation. In a round robin that is the
-- order of (jobs taken, the order the rotation had: stamp then group), which is what this reads: each stamp above
-- every stamp so far. Two claims stamping at once may give equal stamps; the group then breaks the tie.
CREATE OR REPLACE FUNCTION {{schema}}.groups_served(bigint[])
RETURNS void
LANGUAGE sql VOLATILE
AS $function$
  UPDATE {{schema}}.groups g SET served = s.base + s.rank
  FROM (SELECT t.name, t.grp,
               (SELECT coalesce(max(x.served), 0) FROM {{schema}}.groups x) AS base,
               row_number() OVER (ORDER BY t.name, t.n, g2.served, t.grp) AS rank
        FROM (SELECT j.name, j.grp, count(*) AS n FROM {{schema}}.jobs j
              -- By primary key: the group test is written so no index can answer it. As a plain `grp IS NOT
              -- NULL`, with statistics taken before grouped jobs existed, the plan read all of jobs_group (the
              -- partial index of every grouped job) with the ids as a filter: 0.6-1.2 s a claim at 200,000
              -- grouped jobs (test/stores/postgres.lease-plan.test.ts).
              WHERE j.id = ANY($1) AND (j.grp IS NOT NULL) IS TRUE GROUP BY j.name, j.grp) t
        JOIN {{schema}}.groups g2 ON g2.name = t.name AND g2.grp = t.grp) s
  WHERE g.name = s.name AND g.grp = s.grp;
$function$;
