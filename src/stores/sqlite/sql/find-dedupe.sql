-- The job holding a dedupe key at @now (src/core/rules/dedupe.ts keyHolderOf): the newest live one
-- (hourglass_jobs_dedupe_live; a newcomer queued behind a running job is newer than it), else, of those whose
-- dedupeFor period has not ended, the one whose period ends last, the newest on a tie
-- (hourglass_jobs_dedupe_until, read backwards). One seek each.
SELECT * FROM (SELECT * FROM hourglass_jobs WHERE dedupe_key = @dedupe_key AND (status = 'pending' OR status = 'running') ORDER BY id DESC LIMIT 1)
UNION ALL
SELECT * FROM (SELECT * FROM hourglass_jobs WHERE dedupe_key = @dedupe_key AND dedupe_until > @now ORDER BY dedupe_until DESC, id DESC LIMIT 1)
LIMIT 1;
