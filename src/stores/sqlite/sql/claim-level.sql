-- The first @limit due jobs of one name at one priority, in claim order (due time, then insertion): a range of
-- hourglass_jobs_claim_name that ends at the first job not yet due. Ungrouped jobs only (grouped ones are offered
-- by their rotation, claim-group-*.sql): the index holds them apart (migration 010), so none is stepped over.
SELECT id, priority, next_run_at FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_name
WHERE status = 'pending' AND name = @name AND priority = @priority AND (job_group IS NOT NULL) = 0 AND next_run_at <= @now
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
