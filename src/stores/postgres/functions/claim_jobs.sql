-- claim_jobs(): the store's claim() in one call, claim.sql's statement with its parameters ($1..$16), and the
-- claim half of settle_and_claim(), which calls it. Installed by the migrator (functions.ts): a change to claim.sql
-- reinstalls it.
--
-- Why a function rather than the bare statement: its SET clauses hold for the statement wherever it runs, on a
-- pool we own or one a user gave us, through PgBouncer, without touching the user's server settings:
--   jit = off                           the claim's estimated cost passes jit_above_cost on a big table, and
--                                       compiling it took 52 of 55 ms per claim at a million rows; the plan
--                                       reads a few index pages, so JIT can never pay for itself;
--   plan_cache_mode = force_generic_plan   the plan is cached once per connection rather than planned again
--                                       on every call (custom plans: ~1.2 ms of planning for ~0.3 ms of work);
--                                       the generic plan walks the same indexes (see claim.sql's planner note);
--   enable_sort = off                   the priority seeks (claim.sql `levels`) must read jobs_claim_name in
--                                       its order. On a table never analyzed (a new schema, then a burst of
--                                       jobs before autovacuum's first ANALYZE) the planner guessed one pending
--                                       job per name and read them all through jobs_status_name, sorting them:
--                                       60 ms per claim at 200,000 jobs due, growing with the backlog (7 ms with
--                                       this). Sorts no index can replace (the pick's order, the window
--                                       functions) still run: the setting only makes a plan that can avoid one
--                                       choose to.
--
-- $13..$16 (migration 015): each capped name's groupConcurrency and global rate, beside $6 (NULL: none). The
-- groups whose jobs were taken are stamped as served afterwards (groups_served(), a separate statement:
-- claim.sql's offers come from group_offers(), which wrote those rows within the statement), only when a grouped
-- job was taken; the claims of rate-limited names are logged (rate_log()), only when the claim has one.
CREATE OR REPLACE FUNCTION {{schema}}.claim_jobs(
  bigint, text, text, integer, text[], text[], integer[], integer[], text[], bigint[], bigint, text, integer[],
  integer[], bigint[], boolean[]
) RETURNS SETOF {{schema}}.jobs
LANGUAGE plpgsql VOLATILE
SET jit = off
SET plan_cache_mode = force_generic_plan
SET enable_sort = off
AS $function$
DECLARE
  claimed {{schema}}.jobs;
  grouped bigint[] := '{}';
  taken bigint[] := '{}';
  rated boolean := cardinality(array_remove($14, NULL)) > 0;
BEGIN
  FOR claimed IN
{{include sql/claim.sql}}
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
    PERFORM {{schema}}.rate_log($1, taken, $6, $14, $15, $16);
  END IF;
END
$function$;
