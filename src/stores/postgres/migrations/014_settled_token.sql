-- hourglass on PostgreSQL, version 14: jobs.settled_token, the lock token of the job's last applied settlement,
-- so a settle resent after its answer was lost (a timeout) answers "applied" instead of "lease lost"
-- (src/core/rules/lifecycle.ts settleAnswer). A nullable column without a default: catalog-only, instant.
ALTER TABLE {{schema}}.jobs ADD COLUMN settled_token text;
