-- list_pending: one page of pending jobs by nextRunAt (rules/query.ts compareJobs: then id, in the same
-- direction), of every name. Read only. Pending jobs are exactly the members of the ready zsets (due when
-- indexed; P:ready:<name>, score -priority, member "<nextRunAt>:<id>" padded, so within one priority the members
-- are in due order) and of P:scheduled (score nextRunAt, member the id padded to 16 digits, so jobs due at one
-- time are in id order). So the page is among:
--   - per ready name (P:heads; P:gnames for grouped ones), per distinct priority (found by seeking past the last score, one
--     O(log N) call each), the first `want` = offset + limit members of that priority;
--   - the first `want` of P:scheduled, in either direction.
-- At most names × priorities × want + want jobs are read, never the backlog: the overview's oldest waiting job
-- at a million pending jobs, however many share one due time (before layout 9 a tie sorted its ids as text,
-- "10" before "9", so a tie of more than 10,000 jobs was read whole, in pages: 5 s at a million, every poll).
-- Run times before 1970 are clamped to 0 in ready members (lib.lua): among those the order may differ.
-- ARGV: P, offset, limit, dir ('asc' | 'desc'). Reply: HGETALL of each job of the page, in order.
local offset, limit, dir = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local want = offset + limit
local asc = dir == 'asc'
local found = {}

-- Ready jobs: every distinct score of each name's zset, lowest first, and the due end of each; grouped ones
-- likewise from each of the name's groups with due jobs (P:gready:<g>: a read per group, so a list of pending
-- jobs costs more with many groups; the claim never reads them all).
local function readDue(key)
  local head = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  while #head > 0 do
    local score = head[2]
    local members = asc and redis.call('ZRANGEBYSCORE', key, score, score, 'LIMIT', 0, want)
      or redis.call('ZREVRANGEBYSCORE', key, score, score, 'LIMIT', 0, want)
    for _, member in ipairs(members) do found[#found + 1] = idOfMember(member) end
    head = redis.call('ZRANGEBYSCORE', key, '(' .. score, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  end
end
-- The names with ready jobs: those in P:heads, and those with groups (P:gnames).
for _, entry in ipairs(redis.call('ZRANGE', P .. ':heads', 0, -1)) do readDue(P .. ':ready:' .. string.sub(entry, 35)) end
for _, name in ipairs(redis.call('ZRANGE', P .. ':gnames', 0, -1)) do
  for _, group in ipairs(redis.call('ZRANGE', P .. ':groups:' .. name, 0, -1)) do readDue(P .. ':gready:' .. groupKey(name, group)) end
end

-- Scheduled jobs: the first `want` by due time, then id.
local range = asc and redis.call('ZRANGE', P .. ':scheduled', 0, want - 1) or redis.call('ZREVRANGE', P .. ':scheduled', 0, want - 1)
for _, member in ipairs(range) do found[#found + 1] = idOfScheduled(member) end

-- The exact due times from the jobs themselves, then the rule's order; an id seen twice counts once.
local jobs, seen = {}, {}
for _, id in ipairs(found) do
  if not seen[id] then
    seen[id] = true
    local at = redis.call('HGET', jobKey(id), 'nextRunAt')
    if at then jobs[#jobs + 1] = { id = tonumber(id), at = tonumber(at) } end
  end
end
table.sort(jobs, function(x, y)
  if x.at ~= y.at then
    if asc then return x.at < y.at end
    return x.at > y.at
  end
  if asc then return x.id < y.id end
  return x.id > y.id
end)
local out = {}
for i = offset + 1, math.min(#jobs, want) do out[#out + 1] = redis.call('HGETALL', jobKey(fmt(jobs[i].id))) end
return out
