-- hourglass on PostgreSQL, version 26: a name's jobs of one status in id order. jobs_status_name was
-- (status, name); equal keys sit in a B-tree in the order of their row versions, not of their ids, so a page of
-- a name's jobs newest first (listJobs({ name }): the console's and the REST API's filter) walked the primary key
-- from the newest job and stepped over every other name's: 25 ms a page at 200,000 jobs of another name, growing
-- with that backlog. With id as its third column, list.ts reads each status's range of the name in order and
-- merges at most `offset + limit` of each (list-name.sql). The same entries, 8 bytes wider, written when they
-- were: nothing more per job. Same name, so every statement that reads it (count.sql, the blocked jobs) keeps
-- its plans. Rebuilding it reads the whole table under a lock that blocks writes: on millions of jobs, run
-- `hourglass migrate` at a quiet moment.
DROP INDEX IF EXISTS {{schema}}.jobs_status_name;
CREATE INDEX jobs_status_name ON {{schema}}.jobs (status, name, id);
