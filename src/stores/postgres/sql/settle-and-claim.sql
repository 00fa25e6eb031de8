-- Settle a batch and claim the next in one call: see functions/settle_and_claim.sql
-- (why a function, what it returns). Also runs claims that involve a globally capped name with no
-- settlements: the advisory locks and the claim in one round trip instead of BEGIN / lock / claim / COMMIT.
-- $1..$12 as claim.sql, $13 the settlements as settle.sql's $1, $14 the schema name, $15 the capped names
-- to lock (sorted), $16..$19 claim.sql's $13..$16 (groupConcurrency and global rate per capped name).
SELECT *
FROM {{schema}}.settle_and_claim($1::bigint, $2::text, $3::text, $4::integer, $5::text[], $6::text[], $7::integer[],
                                 $8::integer[], $9::text[], $10::bigint[], $11::bigint, $12::text, $13::jsonb,
                                 $14::text, $15::text[], $16::integer[], $17::integer[], $18::bigint[], $19::boolean[]);
