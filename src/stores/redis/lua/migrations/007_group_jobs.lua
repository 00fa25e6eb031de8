-- 007 group jobs: P:gjobs:<group> holds every job of a group by id (JobQuery.group), which index() adds from now
-- on. This step records the ids written before (1 .. P:id) for group_index.lua, which migrate.ts then runs in
-- chunks; so it is O(1) however many jobs the prefix holds. (A grouped job an older process inserts during a
-- rolling upgrade is indexed at its next change: claim, settle, cancel, trigger or update.)
local last = redis.call('GET', P .. ':id')
if last and tonumber(last) > 0 then redis.call('HSET', P .. ':meta', 'gjobs:next', '1', 'gjobs:last', last) end
redis.call('HSET', P .. ':meta', 'layout', '7')
