-- Whether a group must be kept (src/core/rules/groups.ts forgettable): a job of it is pending (a seek of
-- hourglass_jobs_claim_group), takes a slot (rules/claim.ts takesSlot; hourglass_jobs_group_slots), or is blocked
-- (the name's blocked jobs, hourglass_jobs_blocked: a workflow's waiting nodes), or its rate key logged a claim at
-- or after @rate_before (a range of hourglass_rate's key).
SELECT EXISTS (SELECT 1 FROM hourglass_jobs WHERE status = 'pending' AND job_group IS NOT NULL AND name = @name AND job_group = @grp)
    OR EXISTS (SELECT 1 FROM hourglass_jobs INDEXED BY hourglass_jobs_group_slots
               WHERE job_group IS NOT NULL AND lock_token IS NOT NULL AND name = @name AND job_group = @grp
                 AND (status = 'running' OR (status = 'cancelled' AND locked_until >= @now)))
    OR EXISTS (SELECT 1 FROM hourglass_jobs INDEXED BY hourglass_jobs_blocked WHERE status = 'blocked' AND name = @name AND job_group = @grp)
    OR EXISTS (SELECT 1 FROM hourglass_rate WHERE name = @name AND rate_key = @grp AND at >= @rate_before);
