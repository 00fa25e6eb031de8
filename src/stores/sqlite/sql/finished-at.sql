-- Store.finishedAt: the finish time of the finished job of one status at a rank, newest first (retention's
-- count). @status, @rank. A walk of hourglass_jobs_finished_at (status, updated_at) backwards, `rank` entries;
-- the OR restates the index's predicate (migration 018), which @status, a parameter, does not prove.
SELECT updated_at FROM hourglass_jobs INDEXED BY hourglass_jobs_finished_at
WHERE (status = 'completed' OR status = 'failed' OR status = 'cancelled') AND status = @status
ORDER BY updated_at DESC LIMIT 1 OFFSET @rank;
