-- rate_log(): log the claims a claim just took of globally rate-limited names (src/core/rules/rate.ts), called by
-- claim_jobs() and settle_and_claim() after claim.sql when a name of the claim has a global rate. Each taken job
-- counts once under its rate key (its name, or name and group with a rate per group: '' for none) at $1; the
-- key's rows before its window go.
-- $1 now, $2 the ids taken, $3/$4/$5/$6 claim.sql's $6/$14/$15/$16 (names, rate max, window, per group).
CREATE OR REPLACE FUNCTION {{schema}}.rate_log(bigint, bigint[], text[], integer[], bigint[], boolean[])
RETURNS void
LANGUAGE sql VOLATILE
AS $function$
  WITH rates AS (
    SELECT DISTINCT ON (u.name) u.name, u.per, coalesce(u.by_group, false) AS by_group
    FROM unnest($3, $4, $5, $6) WITH ORDINALITY AS u(name, max, per, by_group, ord)
    WHERE u.max IS NOT NULL
    ORDER BY u.name, u.ord DESC
  ),
  taken AS (
    SELECT j.name, CASE WHEN r.by_group AND j.grp IS NOT NULL THEN j.grp ELSE '' END AS rate_key, r.per, count(*) AS n
    FROM {{schema}}.jobs j JOIN rates r ON r.name = j.name
    WHERE j.id = ANY($2)
    GROUP BY 1, 2, 3
  ),
  trimmed AS (
    DELETE FROM {{schema}}.rate_starts s USING taken t
    WHERE s.name = t.name AND s.rate_key = t.rate_key AND s.at <= $1 - t.per
  )
  INSERT INTO {{schema}}.rate_starts AS s (name, rate_key, at, n)
  SELECT name, rate_key, $1, n FROM taken
  ON CONFLICT (name, rate_key, at) DO UPDATE SET n = s.n + excluded.n;
$function$;
