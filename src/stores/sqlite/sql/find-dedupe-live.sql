-- insertFlow: the newest live job of a dedupe key (a node whose key a live job holds is that job; with replace, a
-- newcomer queued behind a running job is newer than it). One seek into hourglass_jobs_dedupe_live.
SELECT * FROM hourglass_jobs WHERE dedupe_key = @dedupe_key AND (status = 'pending' OR status = 'running') ORDER BY id DESC LIMIT 1;
