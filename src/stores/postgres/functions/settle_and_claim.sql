-- settle_and_claim(): the store's settleAndClaim() in one call. Installed by the migrator (functions.ts), which
-- replaces the {{include …}} line with settle.sql, so it and claim.sql (run by claim_jobs(), called below) are the
-- only copies of the hot path: edit them and the next migrate() reinstalls both functions.
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

  -- The claim itself is claim_jobs() ($16..$19: its $13..$16), which stamps the groups served and logs rated
  -- claims after it: one copy of that bookkeeping. Its statement takes its own snapshot, after the locks above.
  RETURN QUERY SELECT * FROM {{schema}}.claim_jobs($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $16, $17, $18, $19);
END
$function$;
