-- Jobs of some statuses, of one name or of all (count.ts writes the arms): an arm per status asked for, the
-- status a fixed text so each arm is planned for that status, with the name as $1 in each arm or in none.
-- health() and queueSize() ask for pending alone, so they read the pending jobs alone however many finished
-- ones are kept; a name reads its own range of jobs_status_name (status, name, id) per status (a GROUP BY read
-- the whole index even for one name: at 1,000,000 finished + 100,000 pending jobs over 20 names, 70-90 ms ->
-- 5 ms). One subquery per status with the status as a value from unnest() was planned for an unknown status,
-- an even share of the table, and while the visibility map was unset read the whole table by a sequential scan
-- to count 50 failed jobs or none running (70-80 ms at 1,000,000 jobs, every poll of the failed tab).
-- Every status of every name is count-all.sql's.
{{arms}};
