-- hourglass on PostgreSQL, version 27: pending jobs in id order (listJobs({ status: ['pending'] }) newest first:
-- the console's pending tab and the REST API's default for that status). No index held them so: the page walked
-- the primary key from the newest job and stepped over every finished or running one newer than the pending
-- jobs it wanted (46 ms a page beside 100,000 newer completed jobs, growing with them). list-status.sql writes
-- the status as a fixed text so the generic plan can prove this predicate. A pending job has one
-- index tuple more (insert, retry, revival); a claim or settle none. Building it reads the pending jobs under
-- a lock that blocks writes: on millions of pending jobs, run `hourglass migrate` at a quiet moment.
CREATE INDEX IF NOT EXISTS jobs_pending_id ON {{schema}}.jobs (id) WHERE status = 'pending';
