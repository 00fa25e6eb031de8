-- hourglass on PostgreSQL, version 18: dedupe modes (JobOptions.dedupeFor; see src/core/rules/dedupe.ts).
-- dedupe_until: the end of a job's dedupeFor period (created_at + dedupeFor); until then its dedupe key stays
-- taken, even after the job finished. A nullable column without a default: catalog-only, instant.
ALTER TABLE {{schema}}.jobs ADD COLUMN dedupe_until bigint;
-- "Does a job still hold key k by its period?" is one seek (insert.sql, trigger.sql). Partial: only jobs
-- scheduled with dedupeFor have an entry, and neither claims nor settles change these columns, so the hot path
-- never writes it. It starts empty, but building it still reads the whole table under a lock that blocks
-- writes (as 010 and 011 do): on millions of kept jobs, run `hourglass migrate` at a quiet moment.
CREATE INDEX jobs_dedupe_until ON {{schema}}.jobs (dedupe_key, dedupe_until) WHERE dedupe_until IS NOT NULL;
-- replace (src/core/rules/dedupe.ts): a newcomer queued behind a running job of its key waits with its key in
-- dedupe_waiting, not dedupe_key, so jobs_dedupe (one live dedupe_key per key, the index insert.sql's ON CONFLICT
-- relies on) keeps its meaning, and processes of the previous version keep working during a rolling upgrade.
-- The claim that starts the newcomer moves its key to dedupe_key (claim.sql), once no other job of its key is
-- live. A nullable column without a default: catalog-only, instant.
ALTER TABLE {{schema}}.jobs ADD COLUMN dedupe_waiting text;
-- At most one newcomer waits per key: two racing replace calls cannot both add one (the second finds the first
-- and replaces it). Partial: only waiting newcomers have an entry.
CREATE UNIQUE INDEX jobs_dedupe_waiting ON {{schema}}.jobs (dedupe_waiting)
  WHERE dedupe_waiting IS NOT NULL AND status = 'pending';
-- A job cancelled while it ran keeps its key's newcomer waiting until its handler returns (its lease still runs,
-- as for name slots: rules/claim.ts takesSlot). Only those few rows have an entry.
CREATE INDEX jobs_dedupe_held ON {{schema}}.jobs (dedupe_key, locked_until)
  WHERE dedupe_key IS NOT NULL AND status = 'cancelled' AND lock_token IS NOT NULL;
