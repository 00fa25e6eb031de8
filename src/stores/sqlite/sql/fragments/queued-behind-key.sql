-- Whether the pending job `hourglass_jobs` (the statement's outer row) is queued behind another job of its dedupe
-- key (src/core/rules/dedupe.ts waitsForKey): one running, or cancelled while running with its lease not ended
-- (@now), or an older pending one. One seek each, only for jobs with a key. Included as an expression by the
-- claim's reads ({{fragment queued-behind-key}}), so the rule is written once for all of them.
(dedupe_key IS NOT NULL AND (
  EXISTS (SELECT 1 FROM hourglass_jobs o INDEXED BY hourglass_jobs_dedupe_live
          WHERE o.dedupe_key = hourglass_jobs.dedupe_key AND (o.status = 'pending' OR o.status = 'running')
            AND o.id <> hourglass_jobs.id AND (o.status = 'running' OR o.id < hourglass_jobs.id))
  OR EXISTS (SELECT 1 FROM hourglass_jobs o INDEXED BY hourglass_jobs_dedupe_held
             WHERE o.dedupe_key = hourglass_jobs.dedupe_key AND o.status = 'cancelled'
               AND o.lock_token IS NOT NULL AND o.locked_until >= @now)))
