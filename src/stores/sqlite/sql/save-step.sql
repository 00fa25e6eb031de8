-- Store a durable run's entry (insert or replace by key), only while this run holds the running job
-- (src/core/rules/steps.ts holdsRun, as progress.sql). No row changed: the lease is lost.
INSERT OR REPLACE INTO hourglass_steps (job_id, key, entry)
SELECT id, @key, @entry FROM hourglass_jobs
WHERE id = @id AND lock_token = @token AND status = 'running';
