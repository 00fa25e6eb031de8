-- settle_and_claim(): the store's settleAndClaim() in one call. Installed by the migrator (functions.ts), which
-- replaces each {{include …}} line with that statement file, so settle.sql and claim.sql are the only copies of
-- the hot path: edit them and the next migrate() reinstalls this function (its text's hash changed).
--
-- The worker hands the outcomes that ended since its last claim to its next claim. Applying them and claiming
-- must be one atomic operation in one round trip, and the claim must see the outcomes applied: a retry due
-- now is claimable, and a settled job of a globally capped name no longer counts against the cap. Inside a
-- function each statement takes a fresh snapshot (READ COMMITTED), so the claim sees the settle; the same two
-- statements as CTEs of one statement would share one snapshot and would not (see docs/stores/postgres.md for
-- the alternatives measured).
--
-- Parameters: $1..$12 as claim.sql (and $16..$19 as its $13..$16); $13 the settlements as settle.sql's $1 (a JSON array); $14 the schema
-- name and $15 the globally capped names this claim involves, sorted (empty: none), for the advisory locks
-- described in claim.sql. Those locks are taken AFTER the settle: the settle may wait on a row lock of a
-- claimer that holds them (it recovering one of our expired jobs), and that claimer never waits on us (it
-- skips locked rows), so this order cannot deadlock.
--
-- Returns rows of jobs: first one row per applied settlement with only `id` set, to that settlement's `i` (its
-- position in $13; status NULL, which no stored job has), then claim.sql's rows (claimed jobs, or one row of
-- NULLs when none).
--
-- Migration 003 created the first version, with the same signature: this replaces it. Processes of the older
-- version still running during an upgrade keep working with it: the fields they do not send read as NULL,
-- which keeps the stored values, and without `texts` their results are read as values (see settle.sql).
CREATE OR REPLACE FUNCTION {{schema}}.settle_and_claim(
  bigint, text, text, integer, text[], text[], integer[], integer[], text[], bigint[], bigint, text,
  jsonb, text, text[], integer[], integer[], bigint[], boolean[]
) RETURNS SETOF {{schema}}.jobs
LANGUAGE plpgsql VOLATILE
-- As claim_jobs() (functions/claim_jobs.sql: why).
SET jit = off
SET plan_cache_mode = force_generic_plan
SET enable_sort = off
AS $function$
DECLARE
  applied_i integer;
  settled {{schema}}.jobs;
  claimed {{schema}}.jobs;
  grouped bigint[] := '{}';
  taken bigint[] := '{}';
  rated boolean := cardinality(array_remove($17, NULL)) > 0;
BEGIN
  IF jsonb_array_length($13) > 0 THEN
    FOR applied_i IN
{{include sql/settle.sql $1=$13 $2=$12}}
    LOOP
      IF applied_i IS NOT NULL THEN
        settled.id := applied_i;
        RETURN NEXT settled;
      END IF;
    END LOOP;
  END IF;

  PERFORM pg_advisory_xact_lock(hashtext($14), hashtext(n)) FROM unnest($15::text[]) AS n;

  -- As claim_jobs(): the groups served are stamped and rated claims logged after the claim ($16..$19: claim.sql's
  -- $13..$16).
  FOR claimed IN
{{include sql/claim.sql $1=$1 $2=$2 $3=$3 $4=$4 $5=$5 $6=$6 $7=$7 $8=$8 $9=$9 $10=$10 $11=$11 $12=$12 $13=$16 $14=$17 $15=$18 $16=$19}}
  LOOP
    IF claimed.grp IS NOT NULL THEN
      grouped := grouped || claimed.id;
    END IF;
    IF rated AND claimed.id IS NOT NULL THEN
      taken := taken || claimed.id;
    END IF;
    RETURN NEXT claimed;
  END LOOP;
  IF cardinality(grouped) > 0 THEN
    PERFORM {{schema}}.groups_served(grouped);
  END IF;
  IF cardinality(taken) > 0 THEN
    PERFORM {{schema}}.rate_log($1, taken, $6, $17, $18, $19);
  END IF;
END
$function$;
