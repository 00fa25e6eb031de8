-- hourglass on PostgreSQL, version 25: finished jobs of one status by id (listJobs({ status: ['failed'] }),
-- newest first: the dashboard's tabs). Without it such a page walked the primary key from the newest job,
-- stepping over every pending one (at 300,000 pending jobs, 90-115 ms a page, growing with the backlog); list.ts
-- spells one status as a fixed text so the generic plan can prove this predicate. SQLite has had the same index
-- since its first version. A job enters it when it finishes (one index tuple more per settle) and leaves it when
-- pruned. Building it reads the whole table under a lock that blocks writes: on millions of kept jobs, run
-- `hourglass migrate` at a quiet moment.
CREATE INDEX IF NOT EXISTS jobs_finished_id ON {{schema}}.jobs (status, id) WHERE status IN ('completed', 'failed', 'cancelled');
