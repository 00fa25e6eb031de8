-- hourglass on SQLite, version 19: blocked jobs (workflow steps waiting for their dependencies) in id order, from
-- an index of their own. The console's blocked tab (`listJobs({ status: ['blocked'] })` in insertion order) read
-- every blocked job from hourglass_jobs_blocked (name, id) and sorted them for a page: ~100 ms at 200,000
-- blocked jobs, growing with them. hourglass_jobs_blocked stays for one name's blocked jobs and their counts.
-- An entry is written when a workflow node is inserted or brought back to wait, and deleted when it is
-- released; a claim or settle of a plain job evaluates the predicate (an equality) and writes nothing.
CREATE INDEX IF NOT EXISTS hourglass_jobs_blocked_id ON hourglass_jobs (id) WHERE status = 'blocked';
