-- hourglass on SQLite, version 9: jobs.settled_token, the lock token of the job's last applied settlement, so a
-- settle resent after its answer was lost (a timeout) answers "applied" instead of "lease lost"
-- (src/core/rules/lifecycle.ts settleAnswer). Adding a nullable column rewrites nothing.
ALTER TABLE hourglass_jobs ADD COLUMN settled_token TEXT;
