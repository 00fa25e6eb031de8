-- How many jobs of each capped name run now, across every process sharing the file.
SELECT name, count(*) AS running FROM hourglass_jobs INDEXED BY hourglass_jobs_running
WHERE status = 'running' AND name IN (SELECT value FROM json_each(@names))
GROUP BY name;
