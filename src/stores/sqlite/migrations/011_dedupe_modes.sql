-- Dedupe modes (JobOptions.dedupeFor; see src/core/rules/dedupe.ts). dedupe_until: the end of a job's dedupeFor
-- period (created_at + dedupeFor); until then its dedupe key stays taken, even after the job finished. A
-- nullable column without a default: no table rewrite.
ALTER TABLE hourglass_jobs ADD COLUMN dedupe_until INTEGER;
-- "Does a job still hold key k by its period?" is one seek (find-dedupe.sql). Partial: only jobs scheduled with
-- dedupeFor have an entry (none when the migration runs, so building it writes nothing), and neither claims nor
-- settles change these columns, so the hot path never writes it.
CREATE INDEX hourglass_jobs_dedupe_until ON hourglass_jobs (dedupe_key, dedupe_until) WHERE dedupe_until IS NOT NULL;
