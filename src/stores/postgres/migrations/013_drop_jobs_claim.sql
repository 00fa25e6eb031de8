-- hourglass on PostgreSQL, version 13: drop jobs_claim (priority DESC, next_run_at, id across names). With it, the
-- planner could answer the claim's per-name seeks ("the first priority of name a below 10") by walking jobs_claim
-- with the name as a filter, stepping over other names' jobs: it did in CI once statistics made name a look
-- common (3,142 pages for one claim instead of ~80). Every pending read now goes through jobs_claim_name
-- (name, priority DESC, next_run_at, id), per name; one index fewer to write on every insert and claim.
-- Dropping takes a short exclusive lock; nothing is rebuilt.
DROP INDEX IF EXISTS {{schema}}.jobs_claim;
