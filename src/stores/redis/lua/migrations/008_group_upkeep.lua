-- 008 groups' upkeep (src/core/rules/groups.ts forgettable): index() now keeps P:glive:<g> (a group's pending,
-- blocked and running jobs), P:gknown:<name> and P:gnames (the groups a prefix keeps something of), which
-- prune_groups.lua walks. This step records the ids written before (1 .. P:id) for group_live_index.lua, which
-- migrate.ts then runs in chunks, so it is O(1) however many jobs the prefix holds; prune_groups.lua forgets
-- nothing until that walk is done. (A grouped job an older process writes during a rolling upgrade is indexed
-- when a script of this version next indexes it; until then its group may be forgotten, which only resets its
-- rotation stamp: its jobs are still found through P:gready and P:scheduled.)
local last = redis.call('GET', P .. ':id')
if last and tonumber(last) > 0 then redis.call('HSET', P .. ':meta', 'gl:next', '1', 'gl:last', last) end
redis.call('HSET', P .. ':meta', 'layout', '8')
