-- How many jobs of each capped name run now, across every process sharing the file.
SELECT name, count(*) AS running FROM hourglass_jobs
WHERE status = 'running' AND name IN (SELECT value FROM json_each(@names))
GROUP BY name;
