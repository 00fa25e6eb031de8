-- Dedupe modes (JobOptions.dedupeFor; see src/core/rules/dedupe.ts). dedupe_until: the end of a job's dedupeFor
-- period (created_at + dedupeFor); until then its dedupe key stays taken, even after the job finished. A
-- nullable column without a default: no table rewrite.
ALTER TABLE hourglass_jobs ADD COLUMN dedupe_until INTEGER;
-- "Does a job still hold key k by its period?" is one seek (find-dedupe.sql). Partial: only jobs scheduled with
-- dedupeFor have an entry (none when the migration runs, so building it writes nothing), and neither claims nor
-- settles change these columns, so the hot path never writes it.
CREATE INDEX hourglass_jobs_dedupe_until ON hourglass_jobs (dedupe_key, dedupe_until) WHERE dedupe_until IS NOT NULL;
-- replace (src/core/rules/dedupe.ts): a key can now have two live jobs, one running and a newcomer queued behind
-- it, so the index of live holders is no longer unique. Inserts and triggers run in one write transaction, which
-- SQLite serialises, and they check the holder before writing: the unique index was only a safety net. The new
-- one is ordered by id: the newest live holder (find-dedupe.sql) and "an older pending job of the key"
-- (claim-level*.sql) are one seek each.
DROP INDEX IF EXISTS hourglass_jobs_dedupe;
CREATE INDEX hourglass_jobs_dedupe_live ON hourglass_jobs (dedupe_key, id)
  WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'running');
-- A job cancelled while it ran keeps its key's queue waiting until its handler returns (its lease still runs, as
-- for name slots: rules/claim.ts takesSlot). Only those few rows have an entry.
CREATE INDEX hourglass_jobs_dedupe_held ON hourglass_jobs (dedupe_key, locked_until)
  WHERE dedupe_key IS NOT NULL AND status = 'cancelled' AND lock_token IS NOT NULL;
