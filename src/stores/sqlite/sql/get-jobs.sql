-- Jobs by id, many at once (Store.getJobs: scheduler.waitFor reads every job it waits for together). ? the ids
-- as a JSON array; each a seek of the primary key.
SELECT * FROM hourglass_jobs WHERE id IN (SELECT value FROM json_each(?));
