-- prune: retention, as core/rules/prune.ts decides it. Deletes finished jobs older than their status's cutoff
-- (with their history), then history records older than historyBefore, at most `limit` of each, in one atomic
-- step.
-- ARGV: P, limit, historyBefore ('' = keep history), now (a dependent counted down takes it as updatedAt), then
-- pairs: status (completed|failed|cancelled), cutoff, in core's FINISHED_STATUSES order (the order jobs are taken
-- in).
-- Returns { jobs deleted, history records deleted on their own }.
--
-- Cost: O(S · (limit + H) · log N) for S statuses and H jobs passed over because a workflow's dependent still
-- waits for them (flowHeldBack: their own edges), whatever the number of jobs kept:
--   jobs:    status by status in the order given, the members of P:f:<status> below its cutoff
--            (scored by finish time), oldest first and, at one finish time, in insertion (id) order, until
--            `limit` in all; each deleted exactly as remove() deletes it (removeJob in lib.lua), a flow job after
--            its edges not done stop holding their dependents back (flowCompleted: rules/flow.ts pruned).
--   history: the `limit` oldest records by insertion (id), of which those completed before historyBefore go.
--            P:hheads scores each job with history by its oldest record's id, so those records are among the
--            records of its first `limit` jobs: a merge of those jobs' records by id (a heap), reading each
--            job's records one at a time. A record that stays holds back its job's later ones (a host whose
--            clock was behind wrote them), which the interface allows.
local limit = tonumber(ARGV[2])
local historyBefore = ARGV[3]
local now = tonumber(ARGV[4])

-- 0. The retention indexes (lib.lua retentionIndexesOn): the first prune switches them on, returns {-1, -1}, and
--    the client backfills, then prunes again.
if not retentionIndexesOn() then return { -1, -1 } end

-- The first `need` members of a zset below `cutoff`, by score then numeric id. A zset orders equal scores by
-- text ("10" before "9"), so when the read stops inside a run of equal scores, that whole run is read (jobs
-- settled in one batch share a finish time: at most a batch) and ordered by number.
local function oldest(key, cutoff, need)
  local found = redis.call('ZRANGEBYSCORE', key, '-inf', '(' .. cutoff, 'WITHSCORES', 'LIMIT', 0, need)
  local out = {}
  local top = found[#found]
  local full = #found / 2 == need
  for i = 1, #found, 2 do
    if not full or tonumber(found[i + 1]) < tonumber(top) then out[#out + 1] = { id = found[i], at = tonumber(found[i + 1]) } end
  end
  if full then
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', key, top, top)) do out[#out + 1] = { id = id, at = tonumber(top) } end
  end
  table.sort(out, function(x, y)
    if x.at ~= y.at then return x.at < y.at end
    return tonumber(x.id) < tonumber(y.id)
  end)
  return { unpack(out, 1, math.min(#out, need)) }
end

-- 1. Finished jobs. A job a workflow's dependent still waits for is passed over (flowHeldBack, rules/flow.ts
--    heldBack) and takes no room in `limit`: a status's candidates are read in growing pages until `limit` are
--    chosen or none is left, all decided before any is deleted (as the model decides on the state before the
--    prune: a dependent deleted here still holds its dependency back in this prune). Every status's jobs are
--    chosen before any is deleted: a dependent a pruned flow job counts down (below) takes a new updatedAt, and
--    would otherwise leave a later status's candidates.
local jobs = 0
local doomed = {}
for a = 5, #ARGV, 2 do
  local status, cutoff = ARGV[a], ARGV[a + 1]
  if TERMINAL[status] and #doomed < limit then
    local want = limit - #doomed
    local chosen, strays, seen, size = {}, {}, 0, want
    while #chosen < want do
      local page = oldest(P .. ':f:' .. status, cutoff, size)
      for i = seen + 1, #page do
        local c = page[i]
        seen = i
        local job = load(c.id)
        if job and job.status == status then
          if not flowHeldBack(c.id) then chosen[#chosen + 1] = { id = c.id, job = job } end
        else
          -- Not in step (cannot happen through hourglass's scripts): the stray entry is dropped below.
          strays[#strays + 1] = c.id
        end
        if #chosen >= want then break end
      end
      if #page < size then break end
      size = size * 2
    end
    for _, id in ipairs(strays) do redis.call('ZREM', P .. ':f:' .. status, id) end
    for _, c in ipairs(chosen) do doomed[#doomed + 1] = c end
  end
end
for _, c in ipairs(doomed) do
  -- Its dependents left (cancelled by hand) stop counting it (rules/flow.ts pruned). A count down never changes
  -- a status (heldBack: none of them is blocked), so c.job, read before, still unindexes a job counted down.
  if c.job.flow then flowCompleted(c.id, now) end
  removeJob(c.id, c.job)
  jobs = jobs + 1
end

-- 2. History records of the jobs that stay.
local history = 0
if historyBefore ~= '' and limit > 0 then
  local cutoff = tonumber(historyBefore)
  -- A job's records in id order: its P:hist1 entry (if any) merged with its list (in id order already). Records
  -- only ever go from the front, so the next one is the older of the P:hist1 entry and the list's head.
  local function advance(c)
    local head = redis.call('LINDEX', P .. ':hist:' .. c.id, 0) or nil -- false when the list is empty
    if c.first and (not head or historyId(c.first) < historyId(head)) then
      c.record, c.inFirst = c.first, true
    else
      c.record, c.inFirst = head, false
    end
    if c.record then c.rid = historyId(c.record) end
    return c.record ~= nil
  end
  -- A binary min-heap of jobs by the id of their next record.
  local heap = {}
  local function push(c)
    heap[#heap + 1] = c
    local i = #heap
    while i > 1 and heap[math.floor(i / 2)].rid > heap[i].rid do
      local p = math.floor(i / 2)
      heap[p], heap[i] = heap[i], heap[p]
      i = p
    end
  end
  local function pop()
    local top = heap[1]
    heap[1] = heap[#heap]
    heap[#heap] = nil
    local i = 1
    while true do
      local l, r, m = 2 * i, 2 * i + 1, i
      if heap[l] and heap[l].rid < heap[m].rid then m = l end
      if heap[r] and heap[r].rid < heap[m].rid then m = r end
      if m == i then break end
      heap[m], heap[i] = heap[i], heap[m]
      i = m
    end
    return top
  end

  for _, id in ipairs(redis.call('ZRANGE', P .. ':hheads', 0, limit - 1)) do
    local c = { id = id, first = redis.call('HGET', P .. ':hist1', id) or nil }
    if advance(c) then push(c) else redis.call('ZREM', P .. ':hheads', id) end
  end
  local changed = {}
  for _ = 1, limit do
    local c = pop()
    if not c then break end
    -- A record that stays counts among the `limit` oldest, and its job's later records wait for it.
    if (historyTime(c.record) or 0) < cutoff then
      if c.inFirst then
        redis.call('HDEL', P .. ':hist1', c.id)
        c.first = nil
      else
        redis.call('LPOP', P .. ':hist:' .. c.id)
      end
      history = history + 1
      if not changed[c] then changed[c] = true; changed[#changed + 1] = c end
      if advance(c) then push(c) end
    end
  end
  -- A job that lost records is re-scored by the oldest one left (its cursor), or leaves when none is left.
  for _, c in ipairs(changed) do
    if c.record then redis.call('ZADD', P .. ':hheads', c.rid, c.id) else redis.call('ZREM', P .. ':hheads', c.id) end
  end
end

return { jobs, history }
