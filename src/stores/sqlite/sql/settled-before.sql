-- A settle that did not apply: was this job's last applied settlement the same run's (a resent settle)?
-- See src/core/rules/lifecycle.ts settleAnswer.
SELECT 1 AS yes FROM hourglass_jobs WHERE id = @id AND settled_token = @token;
