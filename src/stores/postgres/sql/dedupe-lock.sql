-- Turns on dedupe keys (insert.ts), taken before an insert with keys, held to the end of its transaction. A
-- finished job holds its key through its dedupeFor period, and only an insert's lookup finds it, on the
-- statement's snapshot (jobs_dedupe holds live jobs only): an insert that began before such a holder's insert
-- committed, and wrote after that holder had already run and finished, would add a second job of the key.
-- So inserts that make a key's holder outlive its run (dedupeFor) or replace its holder (replace) take the
-- key exclusively, and every other insert with a key takes it shared: each then begins its statement after the
-- other committed and sees its job. Plain keyed inserts never wait for one another (jobs_dedupe decides those).
-- Replacers of one key also take turns this way, so each one's insert-replace.sql sees the holder the previous
-- one left, instead of 50 racing schedulers each finding it changed under their statement and asking again.
-- Keys share 256 locks by hash: a batch of 50,000 keys takes at most 256 entries of the server's lock table
-- (64 × max_connections by default); two keys of one bucket only take turns. Locks in bucket order, each at
-- its strongest mode: no two inserts wait for each other.
-- A client that stalls inside such a transaction (a partition, a frozen process) holds its keys' turns until
-- the transaction's idle limit (store.ts transaction(): 10 s) ends its session.
-- $1 the schema, $2 keys taken exclusively, $3 keys taken shared.
SELECT CASE WHEN k.exclusive THEN pg_advisory_xact_lock(hashtext($1 || ' dedupe'), k.bucket)
            ELSE pg_advisory_xact_lock_shared(hashtext($1 || ' dedupe'), k.bucket) END
FROM (
  SELECT hashtext(u.key) & 255 AS bucket, bool_or(u.exclusive) AS exclusive
  FROM (SELECT unnest($2::text[]) AS key, true AS exclusive
        UNION ALL
        SELECT unnest($3::text[]), false) u
  GROUP BY 1
  ORDER BY 1
) k;
