-- insertFlow, once nodes (core rules/flow.ts): per dedupe key, the newest flow job carrying it, in any status.
-- Seeks on jobs_flow_key (migration 022; the WHERE restates its predicate).
-- $1 the keys.
SELECT DISTINCT ON (j.dedupe_key) j.*
FROM {{schema}}.jobs j
WHERE j.dedupe_key = ANY($1::text[]) AND j.flow IS NOT NULL AND j.dedupe_key IS NOT NULL
ORDER BY j.dedupe_key, j.id DESC;
