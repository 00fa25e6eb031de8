-- hourglass on PostgreSQL, version 6: data, result and progress come back exactly as they were given, key
-- order included (a user who hashes or signs JSON.stringify(job.data) must get the same bytes back). jsonb
-- stores a parsed form and hands objects back with their keys sorted; json keeps the text. Nothing queries
-- inside these values, so jsonb's operators and indexes are not missed. The statements carry these values in
-- their JSON payloads as JSON text (strings), since as values they would be reordered on the way in too.
-- Existing values are converted as jsonb holds them: their original order is already gone.
-- Changing a column's type rewrites the table under a lock that blocks writes (one rewrite for the three
-- columns of jobs): on millions of kept jobs, run `hourglass migrate` at a quiet moment (docs/operations.md).
ALTER TABLE {{schema}}.jobs
  ALTER COLUMN data TYPE json USING data::json,
  ALTER COLUMN result TYPE json USING result::json,
  ALTER COLUMN progress TYPE json USING progress::json;
ALTER TABLE {{schema}}.history ALTER COLUMN result TYPE json USING result::json;
