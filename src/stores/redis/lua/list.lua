-- list: one page of jobs in insertion order (createdAt), newest or oldest first, optionally filtered by statuses
-- and name. Read only. Other orders and filters go through search.lua or list_pending.lua (store.ts chooses).
-- ARGV: P, name ('' = any), offset, limit, dir ('desc' | 'asc'), statuses... (none = all five).
-- One status reads its zset directly: O(log N + limit). Several merge the first offset+limit ids of each.
local name, offset, limit, dir = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local statuses = {}
for i = 6, #ARGV do statuses[#statuses + 1] = ARGV[i] end
if #statuses == 0 then statuses = { 'pending', 'running', 'completed', 'failed', 'cancelled', 'blocked' } end
if limit <= 0 then return {} end
local asc = dir == 'asc'
local range = asc and 'ZRANGE' or 'ZREVRANGE'
local before = asc and function(x, y) return x < y end or function(x, y) return x > y end

-- The first `count` ids of one status in list order. Running jobs of any name are P:locked, scored by lock
-- expiry rather than id: there are only as many as run at once, so they are read whole and sorted.
local function first(status, count)
  if name ~= '' then return redis.call(range, P .. ':ns:' .. status .. ':' .. name, 0, count - 1) end
  if status ~= 'running' then return redis.call(range, P .. ':s:' .. status, 0, count - 1) end
  local running = redis.call('ZRANGE', P .. ':locked', 0, -1)
  table.sort(running, function(x, y) return before(tonumber(x), tonumber(y)) end)
  return { unpack(running, 1, math.min(#running, count)) }
end

local ids
if #statuses == 1 and not (statuses[1] == 'running' and name == '') then
  local key = name == '' and P .. ':s:' .. statuses[1] or P .. ':ns:' .. statuses[1] .. ':' .. name
  ids = redis.call(range, key, offset, offset + limit - 1)
else
  local all = {}
  for _, status in ipairs(statuses) do
    for _, id in ipairs(first(status, offset + limit)) do all[#all + 1] = tonumber(id) end
  end
  table.sort(all, before)
  ids = {}
  for i = offset + 1, math.min(#all, offset + limit) do ids[#ids + 1] = fmt(all[i]) end
end

local out = {}
for _, id in ipairs(ids) do
  local flat = redis.call('HGETALL', jobKey(id))
  if #flat > 0 then out[#out + 1] = flat end
end
return out
