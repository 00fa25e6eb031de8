-- insertFlow, a once node (core rules/flow.ts): the newest flow job carrying its dedupe key, in any status. One
-- seek into hourglass_jobs_flow_key (migration 016; the WHERE restates its predicate).
SELECT * FROM hourglass_jobs
WHERE dedupe_key = @dedupe_key AND flow IS NOT NULL AND dedupe_key IS NOT NULL
ORDER BY id DESC LIMIT 1;
