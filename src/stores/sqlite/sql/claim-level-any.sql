-- As claim-level.sql across every name but @skip (a JSON array: the paused names, and the capped ones, which
-- are walked one by one within their allowance). Due jobs of a skipped name at this priority are stepped over
-- one by one: the cost grows with a paused name's due backlog, never with jobs not yet due. Ungrouped jobs only
-- (see claim-level.sql).
SELECT id, priority, next_run_at, name FROM hourglass_jobs INDEXED BY hourglass_jobs_claim
WHERE status = 'pending' AND priority = @priority AND (job_group IS NOT NULL) = 0 AND next_run_at <= @now
  AND name NOT IN (SELECT value FROM json_each(@skip))
  AND (dedupe_key IS NULL OR NOT (
    -- Queued behind another job of its dedupe key (src/core/rules/dedupe.ts waitsForKey): one running, or
    -- cancelled while running with its lease not ended, or an older pending one. One seek each, only for
    -- jobs with a key.
    EXISTS (SELECT 1 FROM hourglass_jobs o INDEXED BY hourglass_jobs_dedupe_live
            WHERE o.dedupe_key = hourglass_jobs.dedupe_key AND o.status IN ('pending', 'running')
              AND o.id <> hourglass_jobs.id AND (o.status = 'running' OR o.id < hourglass_jobs.id))
    OR EXISTS (SELECT 1 FROM hourglass_jobs o INDEXED BY hourglass_jobs_dedupe_held
               WHERE o.dedupe_key = hourglass_jobs.dedupe_key AND o.status = 'cancelled'
                 AND o.lock_token IS NOT NULL AND o.locked_until >= @now)))
ORDER BY next_run_at, id
LIMIT @limit;
