-- Jobs by status ($2: the statuses asked for), optionally of one name ($1, NULL: all): one range of
-- jobs_status_name (status, name, id) per status, which with a name reads only that name's entries. A GROUP BY
-- read the whole index even for one name (measured at 1,000,000 finished + 100,000 pending jobs, 20 names:
-- countJobs('job-1') 70-90 ms -> 5 ms). Only the statuses in $2 are counted: health() and queueSize() pass just
-- 'pending', so they read the pending entries alone, however many finished jobs are kept. Every status of
-- every name is count-all.sql's (count.ts): one pass, where this reads the table once per status.
SELECT s.status,
       CASE WHEN $1::text IS NULL
            THEN (SELECT count(*) FROM {{schema}}.jobs j WHERE j.status = s.status)
            ELSE (SELECT count(*) FROM {{schema}}.jobs j WHERE j.status = s.status AND j.name = $1::text)
       END::integer AS n
FROM unnest($2::text[]) AS s(status);
