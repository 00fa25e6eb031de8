-- 006 groups (src/core/rules/groups.ts): grouped jobs are indexed in keys of their own (P:gready:<g>, P:groups:<name>,
-- P:gserved:<name>, P:grun:<g>, P:gheld:<g>; see lib.lua), created as grouped jobs arrive, so nothing is moved here
-- and the step is O(1). It is recorded all the same: a process of an older hourglass refuses a prefix that has it
-- (migrate.ts), instead of claiming grouped jobs past their group's cap and leaving its slots counted forever.
redis.call('HSET', P .. ':meta', 'layout', '6')
