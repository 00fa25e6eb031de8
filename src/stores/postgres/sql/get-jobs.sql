-- Jobs by id, many at once (Store.getJobs: scheduler.waitFor reads every job it waits for together). $1 the ids;
-- each a seek of the primary key.
SELECT * FROM {{schema}}.jobs WHERE id = ANY($1::bigint[])
