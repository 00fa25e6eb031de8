-- Serialise the inserts with `replace` of one dedupe key (insert.ts insertReplace): held to the end of the
-- transaction, so each one's insert-replace.sql sees the holder the previous one left, instead of 50 racing
-- schedulers each finding it changed under their statement and asking again until they gave up.
-- $1 the schema, $2 'dedupe ' || the key (the claim's name locks share the first key; a clash only serialises).
SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2));
