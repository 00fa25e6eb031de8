-- prune_groups: groups' upkeep (Store.pruneGroups; src/core/rules/groups.ts forgettable), one atomic step.
-- ARGV: P, now, rateBefore, limit, cursor name, cursor group ('' and '': from the first).
-- Visits up to `limit` groups after the cursor, name by name (P:gnames) then group by group (P:gknown:<name>),
-- in byte order. A group is kept while P:glive:<g> holds a job of it, a cancelled run of it holds a slot
-- (P:gheld:<g>, rules/claim.ts takesSlot) or its rate key logged a claim at or after rateBefore; otherwise what the
-- prefix keeps of it goes: its stamp, its place in the rotation, its rate key, its expired held entries.
-- Returns { forgotten, visited, last name, last group }. Nothing is forgotten until group_live_index.lua has walked
-- the jobs written before layout 8 (P:meta gl:next).
local now, rateBefore, limit = ARGV[2], ARGV[3], tonumber(ARGV[4])
local cursorName, cursorGroup = ARGV[5], ARGV[6]
if redis.call('HEXISTS', P .. ':meta', 'gl:next') == 1 then return { 0, 0, false, false } end
local forgotten, visited, lastName, lastGroup = 0, 0, false, false
local names
if cursorName == '' then names = redis.call('ZRANGEBYLEX', P .. ':gnames', '-', '+', 'LIMIT', 0, limit)
else names = redis.call('ZRANGEBYLEX', P .. ':gnames', '[' .. cursorName, '+', 'LIMIT', 0, limit + 1) end
for _, name in ipairs(names) do
  if visited >= limit then break end
  local from = '-'
  if name == cursorName then from = '(' .. cursorGroup end
  local knownKey = P .. ':gknown:' .. name
  for _, group in ipairs(redis.call('ZRANGEBYLEX', knownKey, from, '+', 'LIMIT', 0, limit - visited)) do
    visited = visited + 1
    lastName, lastGroup = name, group
    local g = groupKey(name, group)
    local keep = redis.call('EXISTS', P .. ':glive:' .. g) == 1
      or redis.call('ZCOUNT', P .. ':gheld:' .. g, now, '+inf') > 0
      or redis.call('ZCOUNT', P .. ':rate:' .. g, rateBefore, '+inf') > 0
    if not keep then
      redis.call('HDEL', P .. ':gserved:' .. name, group)
      redis.call('ZREM', P .. ':groups:' .. name, group)
      redis.call('DEL', P .. ':rate:' .. g, P .. ':gheld:' .. g)
      redis.call('ZREM', knownKey, group)
      forgotten = forgotten + 1
    end
  end
  if redis.call('EXISTS', knownKey) == 0 then redis.call('ZREM', P .. ':gnames', name) end
end
return { forgotten, visited, lastName, lastGroup }
