-- Workflow graphs (src/core/rules/flow.ts, the rules these apply; the differential suite proves them equal to
-- the model). Edges live in P:deps:<id>, a hash child id -> 'c' (its onDependencyFailure is 'cancel'), 'r'
-- ('run') or 'd' (done: no longer holds it back). A job's waitingFor is its field `waitingFor` (absent: 0), its
-- flow the JSON text in `flow`. Each function walks the edges of the jobs it reaches, never the graph; a
-- dependent is read by the few fields these need (never its flow, which for a fan-in of 10,000 holds 10,000 ids).
local function depsKey(id) return P .. ':deps:' .. id end

-- rules/flow.ts, a once node: the flow job P:flowkeys names for a dedupe key, in any status (checked: a job
-- removed since is forgotten by removeJob, lib.lua).
local function flowKeyHolder(key)
  local id = redis.call('HGET', P .. ':flowkeys', key)
  if id and redis.call('HGET', jobKey(id), 'dedupeKey') == key then return id end
  return nil
end

local FLOW_NODE_FIELDS = { 'status', 'name', 'priority', 'nextRunAt', 'dedupeKey', 'lockToken', 'lockedUntil', 'updatedAt', 'waitingFor', 'lastError', 'repeat', 'group' }

local function loadNode(id)
  local f = redis.call('HMGET', jobKey(id), unpack(FLOW_NODE_FIELDS))
  if not f[1] then return nil end
  local job = {}
  for i, name in ipairs(FLOW_NODE_FIELDS) do if f[i] then job[name] = f[i] end end
  return job
end

-- Write a node's status, waitingFor and lastError (false: none), updatedAt = now; its indexes follow a new status.
local function putNode(id, job, status, waitingFor, lastError, now)
  local moved = status ~= job.status
  if moved then unindex(id, job) end
  local fields = { status = status, updatedAt = fmt(now), lastError = lastError, waitingFor = false }
  if waitingFor > 0 then fields.waitingFor = fmt(waitingFor) end
  save(id, fields)
  job.status, job.updatedAt, job.lastError = status, fmt(now), lastError or nil
  if moved then index(id, job, now)
  elseif TERMINAL[status] then
    -- A finished node reached again (a cancelled dependent whose dependency is now cancelled) keeps its status but
    -- takes the new updatedAt, which is what prune orders by: its retention entry follows (XX: only when kept).
    redis.call('ZADD', P .. ':f:' .. status, 'XX', fmt(now), id)
  end
end

-- countedDown: one dependency fewer; a blocked job with none left is pending (due as inserted).
local function countDown(id, job, now)
  local waitingFor = math.max(0, tonumber(job.waitingFor or '0') - 1)
  local status = job.status
  if status == 'blocked' and waitingFor == 0 then status = 'pending' end
  putNode(id, job, status, waitingFor, job.lastError or false, now)
end

-- A dependency completed: each edge not done becomes done, its dependent counted down.
local function flowCompleted(parent, now)
  local edges = redis.call('HGETALL', depsKey(parent))
  for i = 1, #edges, 2 do
    if edges[i + 1] ~= 'd' then
      redis.call('HSET', depsKey(parent), edges[i], 'd')
      local job = loadNode(edges[i])
      if job then countDown(edges[i], job, now) end
    end
  end
end

-- A dependency failed for good, was cancelled or removed (`message` names it). A worklist, not recursion.
local function flowCascade(parent, message, now)
  local todo = { parent }
  local head = 1
  while head <= #todo do
    local from = todo[head]
    head = head + 1
    local edges = redis.call('HGETALL', depsKey(from))
    for i = 1, #edges, 2 do
      local child, state = edges[i], edges[i + 1]
      if state ~= 'd' then
        local job = loadNode(child)
        if job then
          if state == 'r' then
            redis.call('HSET', depsKey(from), child, 'd')
            countDown(child, job, now)
          elseif job.status == 'blocked' then
            putNode(child, job, 'cancelled', tonumber(job.waitingFor or '0'), message, now)
            todo[#todo + 1] = child
          end
        end
      end
    end
  end
end

-- A dependency triggered back from failed or cancelled: the dependents a cascade cancelled wait again.
local function flowRestore(parent, now)
  local todo = { parent }
  local head = 1
  while head <= #todo do
    local from = todo[head]
    head = head + 1
    local edges = redis.call('HGETALL', depsKey(from))
    for i = 1, #edges, 2 do
      local child = edges[i]
      if edges[i + 1] ~= 'd' then
        local job = loadNode(child)
        if job and job.status == 'cancelled' and tonumber(job.waitingFor or '0') > 0 and job.lastError then
          putNode(child, job, 'blocked', tonumber(job.waitingFor), false, now)
          todo[#todo + 1] = child
        end
      end
    end
  end
end

-- rules/flow.ts dependencyError, from the job's flow text (the key) or its name.
local function dependencyError(flowText, name, ending)
  local key = name
  if flowText and flowText ~= '' then key = cjson.decode(flowText).key or name end
  if ending == 'failed' then return 'dependency "' .. key .. '" failed' end
  return 'dependency "' .. key .. '" was ' .. ending
end

-- rules/flow.ts heldBack: whether prune must keep this finished job, because an edge not done leads to a dependent
-- that still waits (blocked, or cancelled by a cascade, which a retry of this job brings back). Reads this job's
-- edges, and a dependent's status fields until the first such one.
local function flowHeldBack(id)
  local edges = redis.call('HGETALL', depsKey(id))
  for i = 1, #edges, 2 do
    if edges[i + 1] ~= 'd' then
      local f = redis.call('HMGET', jobKey(edges[i]), 'status', 'waitingFor', 'lastError')
      local status = f[1]
      if status == 'blocked' then return true end
      if status == 'cancelled' and tonumber(f[2] or '0') > 0 and f[3] then return true end
    end
  end
  return false
end
