-- hourglass on PostgreSQL, version 16: dedupe modes (JobOptions.dedupeFor; see src/core/rules/dedupe.ts).
-- dedupe_until: the end of a job's dedupeFor period (created_at + dedupeFor); until then its dedupe key stays
-- taken, even after the job finished. A nullable column without a default: catalog-only, instant.
ALTER TABLE {{schema}}.jobs ADD COLUMN dedupe_until bigint;
-- "Does a job still hold key k by its period?" is one seek (insert.sql, trigger.sql). Partial: only jobs
-- scheduled with dedupeFor have an entry, and neither claims nor settles change these columns, so the hot path
-- never writes it. It starts empty, but building it still reads the whole table under a lock that blocks
-- writes (as 010 and 011 do): on millions of kept jobs, run `hourglass migrate` at a quiet moment.
CREATE INDEX jobs_dedupe_until ON {{schema}}.jobs (dedupe_key, dedupe_until) WHERE dedupe_until IS NOT NULL;
