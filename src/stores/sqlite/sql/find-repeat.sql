-- The job holding a repeat key, if any (one seek on hourglass_jobs_repeat_key): its status tells whether
-- every() called again revives it into a new cycle (rules/insert.ts upsertStartsCycle).
SELECT id, status FROM hourglass_jobs WHERE repeat_key = @repeat_key;
