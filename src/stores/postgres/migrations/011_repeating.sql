-- hourglass on PostgreSQL, version 11: repeating jobs by id (JobQuery.repeating: the schedules view). Partial:
-- only jobs with a repeat have an entry, a few among millions of one-off jobs, and claims and settles never
-- change `repeat`, so the hot path does not write it. Building it reads the whole table under a lock that
-- blocks writes: on millions of kept jobs, run `hourglass migrate` at a quiet moment.
CREATE INDEX jobs_repeating ON {{schema}}.jobs (id) WHERE repeat IS NOT NULL;
