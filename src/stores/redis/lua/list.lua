-- list: one page of jobs, newest first, optionally filtered by statuses and name. Read only.
-- ARGV: P, name ('' = any), offset, limit, statuses... (none = all five).
-- One status reads its zset directly: O(log N + limit). Several merge the first offset+limit ids of each.
local name, offset, limit = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local statuses = {}
for i = 5, #ARGV do statuses[#statuses + 1] = ARGV[i] end
if #statuses == 0 then statuses = { 'pending', 'running', 'completed', 'failed', 'cancelled' } end
if limit <= 0 then return {} end

local function setKey(status)
  if name == '' then return P .. ':s:' .. status end
  return P .. ':ns:' .. status .. ':' .. name
end

local ids
if #statuses == 1 then
  ids = redis.call('ZREVRANGE', setKey(statuses[1]), offset, offset + limit - 1)
else
  local all = {}
  for _, status in ipairs(statuses) do
    for _, id in ipairs(redis.call('ZREVRANGE', setKey(status), 0, offset + limit - 1)) do all[#all + 1] = tonumber(id) end
  end
  table.sort(all, function(x, y) return x > y end)
  ids = {}
  for i = offset + 1, math.min(#all, offset + limit) do ids[#ids + 1] = fmt(all[i]) end
end

local out = {}
for _, id in ipairs(ids) do
  local flat = redis.call('HGETALL', jobKey(id))
  if #flat > 0 then out[#out + 1] = flat end
end
return out
