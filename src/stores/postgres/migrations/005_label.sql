-- hourglass on PostgreSQL, version 5: a name for people beside the handler's name (JobOptions.label; the
-- HTTP API's display name). Never used to find a job, so no index. Adding a nullable column without a default
-- only changes the catalog: instant on a table of any size. settle_and_claim() (migration 003) returns
-- SETOF jobs and its claim part returns (c.job).*, so it follows the new row shape by itself.
ALTER TABLE {{schema}}.jobs ADD COLUMN label text;
