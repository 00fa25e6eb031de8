-- The job taking a dedupe key at @now (src/core/rules/dedupe.ts takesKey): a live one (hourglass_jobs_dedupe), or
-- one whose dedupeFor period has not ended (hourglass_jobs_dedupe_until). One seek each; at most one job takes
-- a key, so the first row found is it.
SELECT * FROM (SELECT * FROM hourglass_jobs WHERE dedupe_key = @dedupe_key AND status IN ('pending', 'running'))
UNION ALL
SELECT * FROM (SELECT * FROM hourglass_jobs WHERE dedupe_key = @dedupe_key AND dedupe_until > @now)
LIMIT 1;
