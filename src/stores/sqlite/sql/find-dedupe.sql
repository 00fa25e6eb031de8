-- The job holding a dedupe key at @now (src/core/rules/dedupe.ts keyHolderOf): the newest live one
-- (hourglass_jobs_dedupe_live; a newcomer queued behind a running job is newer than it), else one whose
-- dedupeFor period has not ended (hourglass_jobs_dedupe_until). One seek each.
SELECT * FROM (SELECT * FROM hourglass_jobs WHERE dedupe_key = @dedupe_key AND status IN ('pending', 'running') ORDER BY id DESC LIMIT 1)
UNION ALL
SELECT * FROM (SELECT * FROM hourglass_jobs WHERE dedupe_key = @dedupe_key AND dedupe_until > @now LIMIT 1)
LIMIT 1;
