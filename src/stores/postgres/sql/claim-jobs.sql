-- Claim a batch: claim.sql's statement, run inside claim_jobs() (functions/claim_jobs.sql: why a function).
SELECT *
FROM {{schema}}.claim_jobs($1::bigint, $2::text, $3::text, $4::integer, $5::text[], $6::text[], $7::integer[],
                           $8::integer[], $9::text[], $10::bigint[], $11::bigint, $12::text, $13::integer[],
                           $14::integer[], $15::bigint[], $16::boolean[]);
