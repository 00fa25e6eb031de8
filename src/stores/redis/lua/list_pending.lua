-- list_pending: one page of pending jobs by nextRunAt (rules/query.ts compareJobs: then id, in the same
-- direction), of every name. Read only. Pending jobs are exactly the members of P:readyat (the due ones, when
-- indexed) and of P:scheduled (the others), both scored by nextRunAt with the id padded to 16 digits as member,
-- so each is in the rule's order either way: the page is among the first `want` = offset + limit of each. Two
-- ranges whatever the number of jobs or names: the overview's oldest waiting job (before layout 10 the ready
-- part was read name by name, priority by priority: 3.5-4 s a page beside 200,000 names; before layout 9 a tie of
-- due times sorted its ids as text, "10" before "9", so a tie of more than 10,000 jobs was read whole).
-- ARGV: P, offset, limit, dir ('asc' | 'desc'). Reply: HGETALL of each job of the page, in order.
local offset, limit, dir = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local want = offset + limit
local asc = dir == 'asc'
local found = {}

-- Ready jobs: the first `want` of P:readyat (every due pending job, by due time then id) in the direction asked.
local ready = asc and redis.call('ZRANGE', P .. ':readyat', 0, want - 1) or redis.call('ZREVRANGE', P .. ':readyat', 0, want - 1)
for _, member in ipairs(ready) do found[#found + 1] = idOfScheduled(member) end

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
