-- hourglass on PostgreSQL, version 24: no change to the tables. claim_jobs() and settle_and_claim() now set
-- enable_sort = off (functions/claim_jobs.sql says why: a table never analyzed made every claim read and sort
-- all pending jobs of a name). Functions are installed by migrate() after the migrations; this version tells an
-- older hourglass starting during a rolling upgrade that the installed functions are newer than its own, so it
-- leaves them as they are instead of putting back the ones without the setting.
SELECT 1;
