-- insertFlow: the live holders of the dedupe keys its nodes without dependencies carry (rules/insert.ts).
-- $1 the keys.
SELECT * FROM {{schema}}.jobs WHERE dedupe_key = ANY($1::text[]) AND status IN ('pending', 'running');
