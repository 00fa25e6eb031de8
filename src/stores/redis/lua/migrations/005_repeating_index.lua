-- 005 repeating index: P:rep holds the jobs with a repeat (JobQuery.repeating), which index() adds from now on.
-- This step records the ids written before (1 .. P:id) for repeat_index.lua, which migrate.ts then runs in
-- chunks; so it is O(1) however many jobs the prefix holds. (A job an older process inserts with a repeat during
-- a rolling upgrade is indexed when it is next upserted (every() at a process's start), triggered, cancelled or
-- updated.)
local last = redis.call('GET', P .. ':id')
if last and tonumber(last) > 0 then redis.call('HSET', P .. ':meta', 'rep:next', '1', 'rep:last', last) end
redis.call('HSET', P .. ':meta', 'layout', '5')
