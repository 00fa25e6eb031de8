-- Run history of one job, oldest first: the newest @limit records (-1: all) read backwards from the end of
-- hourglass_history_job (job_id, id), then put back in order, so a page of a repeating job's long history reads
-- that page alone.
SELECT * FROM (SELECT * FROM hourglass_history WHERE job_id = @job ORDER BY id DESC LIMIT @limit) ORDER BY id;
