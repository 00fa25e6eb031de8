-- update: change fields of a job that is not running.
-- ARGV: P, id, now, then tri-state values (see patchValue): data, priority, maxAttempts, repeat, nextRunAt, dueAt.
-- Returns nil for an unknown id, else the job's HGETALL (a running job is returned unchanged: the scheduler
-- refuses that case before calling, this only settles a race the same way the other stores do).
local id, nowText = ARGV[2], ARGV[3]
local job = load(id)
if not job then return nil end
if job.status == 'running' then return redis.call('HGETALL', jobKey(id)) end
unindex(id, job)
local fields = { updatedAt = nowText }
local names = { 'data', 'priority', 'maxAttempts', 'repeat', 'nextRunAt', 'dueAt' }
for i, name in ipairs(names) do
  local v = patchValue(ARGV[3 + i])
  if v ~= nil then fields[name] = v end
end
save(id, fields)
for k, v in pairs(fields) do job[k] = v or nil end
index(id, job, tonumber(nowText))
wake()
return redis.call('HGETALL', jobKey(id))
