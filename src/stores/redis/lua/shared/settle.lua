-- settleJobs(a): apply the core's decisions for many finished runs. Shared by settle.lua and
-- settle_and_claim.lua (scripts.ts prepends this file to both).
-- ARGV from a: count, then per settlement one argument, a JSON array of 13 strings (codec.ts packArgs):
--   id, lockToken, status (pending|completed|failed), nextRunAt, dueAt, attempts ('' = keep),
--   result, lastError, lastErrorStack (tri-state, see patchValue), maxAttempts ('' = keep), finishedAt,
--   historyStatus, historyBody ('' = no history)
-- Returns per settlement 1 (applied) or 0 (the lease was lost: another token, or the job is gone), and the
-- index of the first ARGV value after the settlements.
--
-- Cost per settlement: one HMGET and one HSET, and a share of one variadic command per index touched (a retry
-- or repeat also reads two fields and indexes itself as pending); the history ids of the whole batch come from
-- one INCRBY. Each redis.call from Lua costs about as much again as the command itself, so the common case is
-- kept to those two: the lock ends by blanking its token ('' = none; lockedBy and lockedUntil then mean nothing,
-- see codec.ts decodeJob) rather than deleting the lock fields, and each field written costs (~4.5k instructions
-- a field: bench/core/redis-phases.ts --callgrind), so the settle writes only what changes. A job's
-- first history record goes into P:hist1 (one HSET for the batch, see lib.lua) rather than into a list key
-- of its own. An HDEL happens only when a result or an error must go (the error and its stack go in the same
-- HDEL), an RPUSH only from a job's second history record on; lastErrorStack and maxAttempts ride in the HSET.
-- The retention indexes (see lib.lua): a finished job joins P:f:<status> scored by finishedAt, and a job's
-- first history record puts it in P:hheads; both are one variadic ZADD per call, and only once retention is in
-- use (P:meta retention = 1, set by the first prune, which backfills what came before): a store that never
-- prunes does not pay for them on this, the hottest path.

local function settleJobs(a)
  local count = tonumber(ARGV[a])
  local out = {}
  if count == 0 then return out, a + 1 end
  -- Index changes, written once per key at the end: ids leaving P:locked (running); per name, the ids
  -- leaving P:ns:running:<name> and the score/member pairs joining P:ns:<status>:<name>; per finished status,
  -- the pairs joining P:s:<status>.
  local running, byName, finished, byTime, firstHistory, firstRecords, flowNodes = {}, {}, {}, {}, {}, {}, {}
  -- History ids for the whole batch in one reservation (ids need only be unique; unused ones are skipped).
  local hid = reserveIds(P .. ':hid', count) - 1
  local indexing = redis.call('HGET', P .. ':meta', 'retention') == '1'

  for i = 0, count - 1 do
    local v = cjson.decode(ARGV[a + 1 + i])
    local id, token = v[1], v[2]
    local key = P .. ':job:' .. id
    local f = redis.call('HMGET', key, 'status', 'lockToken', 'name', 'dedupeKey', 'histed', 'group', 'flow')
    local current = f[1]
    if f[2] ~= token or (current ~= 'running' and current ~= 'cancelled') then
      -- Not ours (any more): 1 all the same when this run's settlement was already applied (a settle resent
      -- after its answer was lost; core/rules/lifecycle.ts settleAnswer), writing nothing.
      if redis.call('HGET', key, 'settledToken') == token then out[i + 1] = 1 else out[i + 1] = 0 end
    else
      local finishedAt = v[11]
      -- The lock ends with its token: lockedBy and lockedUntil stay as the run left them and mean nothing once
      -- lockToken is blank (codec.ts decodeJob, holdsLock), two fields fewer to write on the hottest path.
      local set = { 'HSET', key, 'lastFinishedAt', finishedAt, 'updatedAt', finishedAt, 'lockToken', '', 'settledToken', token }
      local del = { 'HDEL', key }
      -- result, lastError and lastErrorStack are tri-state: 'u' keep, 'n' null (delete the field), 'v<text>' set.
      local result, lastError, stack = v[7], v[8], v[9]
      local tag = string.byte(result)
      if tag == 118 then set[#set + 1] = 'result'; set[#set + 1] = string.sub(result, 2)
      elseif tag == 110 then del[#del + 1] = 'result' end
      tag = string.byte(lastError)
      if tag == 118 then set[#set + 1] = 'lastError'; set[#set + 1] = string.sub(lastError, 2)
      elseif tag == 110 then del[#del + 1] = 'lastError' end
      tag = string.byte(stack)
      if tag == 118 then set[#set + 1] = 'lastErrorStack'; set[#set + 1] = string.sub(stack, 2)
      elseif tag == 110 then del[#del + 1] = 'lastErrorStack' end
      -- The maxAttempts the run used, written where the job had none (see JobRecord.maxAttempts).
      local maxAttempts = v[10]
      if maxAttempts ~= '' then set[#set + 1] = 'maxAttempts'; set[#set + 1] = maxAttempts end
      local historyStatus = v[12]
      -- Due times and attempts are the outcome's even for a job cancelled meanwhile (as in every store):
      -- trigger() starts such a job over from them.
      local nextRunAt, dueAt, attempts = v[4], v[5], v[6]
      if nextRunAt ~= '' then set[#set + 1] = 'nextRunAt'; set[#set + 1] = nextRunAt end
      if dueAt ~= '' then set[#set + 1] = 'dueAt'; set[#set + 1] = dueAt end
      if attempts ~= '' then set[#set + 1] = 'attempts'; set[#set + 1] = attempts end
      if current == 'cancelled' then
        -- cancel() won the race: the job stays cancelled (and in its indexes); only the lock goes and the run
        -- is recorded.
        historyStatus = 'cancelled'
        -- Its updatedAt becomes finishedAt (below), so its place in the finish-time index moves with it; its
        -- run is over, so it no longer holds a slot of its name.
        if indexing then redis.call('ZADD', P .. ':f:cancelled', finishedAt, id) end
        redis.call('ZREM', P .. ':held:' .. f[3], id)
        -- Nor does a newcomer of its dedupe key wait for it any more (replace).
        if f[4] then redis.call('ZREM', P .. ':dk:' .. f[4], id) end
        if f[6] then redis.call('ZREM', P .. ':gheld:' .. groupKey(f[3], f[6]), id) end
      else
        local status, name = v[3], f[3]
        set[#set + 1] = 'status'; set[#set + 1] = status
        -- Leaves 'running': those indexes lose it in one command each at the end.
        running[#running + 1] = id
        local lists = byName[name]
        if not lists then
          lists = { running = {} }
          byName[name] = lists
        end
        local l = lists.running
        l[#l + 1] = id
        -- A grouped run frees its group's slot (one command: grouped settles are the rarer kind).
        if f[6] then redis.call('ZREM', P .. ':grun:' .. groupKey(name, f[6]), id) end
        if status == 'pending' then
          -- A retry, the next occurrence of a repeat, or a release: indexed as any pending job is.
          local g = redis.call('HMGET', key, 'priority', 'nextRunAt')
          index(id, { status = 'pending', name = name, priority = g[1], nextRunAt = nextRunAt ~= '' and nextRunAt or g[2],
            dedupeKey = f[4] or nil, group = f[6] or nil }, tonumber(finishedAt))
        else
          l = lists[status]
          if not l then l = {}; lists[status] = l end
          l[#l + 1] = id; l[#l + 1] = id
          l = finished[status]
          if not l then l = {}; finished[status] = l end
          l[#l + 1] = id; l[#l + 1] = id
          if indexing then
            l = byTime[status]
            if not l then l = {}; byTime[status] = l end
            l[#l + 1] = finishedAt; l[#l + 1] = id
          end
          if f[4] then leaveKey(id, f[4]) end
          -- Finished: it no longer keeps its group known (lib.lua GROUP_LIVE).
          if f[6] then redis.call('ZREM', P .. ':glive:' .. groupKey(name, f[6]), id) end
          -- A workflow node's dependents follow once the batch is written (shared/flow.lua).
          if f[7] then flowNodes[#flowNodes + 1] = { id, status, f[7], name, tonumber(finishedAt) } end
        end
      end
      local body = v[13]
      if body ~= '' then
        -- The client's JSON object, without id, jobId and status: those lead the stored record.
        local rest = string.sub(body, 2)
        local recordId = fmt(hid + i + 1)
        local first -- whether this record may be the job's oldest (P:hheads)
        local record = '{"id":"' .. recordId .. '","jobId":"' .. id .. '","status":"' .. historyStatus .. '"'
          .. (rest == '}' and '' or ',') .. rest
        if f[5] then
          first = redis.call('RPUSH', P .. ':hist:' .. id, record) == 1
        else
          set[#set + 1] = 'histed'; set[#set + 1] = '1'
          firstRecords[#firstRecords + 1] = id; firstRecords[#firstRecords + 1] = record
          first = true
        end
        if first and indexing then
          -- NX: a job already indexed keeps its score, the id of an older record.
          firstHistory[#firstHistory + 1] = recordId; firstHistory[#firstHistory + 1] = id
        end
      end
      redis.call(unpack(set))
      if #del > 2 then redis.call(unpack(del)) end
      out[i + 1] = 1
    end
  end

  if #firstRecords > 0 then callMany('HSET', P .. ':hist1', firstRecords, 2) end
  if #running > 0 then
    callMany('ZREM', P .. ':locked', running) -- also the index of status running (lib.lua)
  end
  for status, l in pairs(finished) do callMany('ZADD', P .. ':s:' .. status, l, 2) end
  for status, l in pairs(byTime) do callMany('ZADD', P .. ':f:' .. status, l, 2) end
  if #firstHistory > 0 then callMany('ZADD', P .. ':hheads', firstHistory, 2, 'NX') end
  for name, lists in pairs(byName) do
    for status, l in pairs(lists) do
      if status == 'running' then callMany('ZREM', P .. ':ns:running:' .. name, l)
      else callMany('ZADD', P .. ':ns:' .. status .. ':' .. name, l, 2) end
    end
  end
  -- Settled workflow nodes, in settlement order: released on success, cascaded on a final failure (a job
  -- cancelled while it ran already took its dependents along at cancel()).
  for _, n in ipairs(flowNodes) do
    if n[2] == 'completed' then flowCompleted(n[1], n[5])
    elseif n[2] == 'failed' then flowCascade(n[1], dependencyError(n[3], n[4], 'failed'), n[5]) end
  end
  return out, a + 1 + count
end
