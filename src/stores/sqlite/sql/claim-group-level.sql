-- The first @limit due jobs of one group at one priority, in claim order: a range of hourglass_jobs_claim_group
-- that ends at the first job not yet due (as claim-level.sql for a name). A job queued behind another job of its
-- dedupe key is left out here, before the rotation (src/core/rules/groups.ts), as claim-level.sql does: it takes
-- no turn and no room under the group's cap.
SELECT id, priority, next_run_at FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_group
WHERE status = 'pending' AND job_group IS NOT NULL AND name = @name AND job_group = @grp AND priority = @priority
  AND next_run_at <= @now
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
