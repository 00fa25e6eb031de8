-- trigger: run now. pending -> nextRunAt = now; completed/failed/cancelled -> pending with attempts 0;
-- running is left as it is. dueAt is kept, so a repeat's next occurrence does not drift.
-- ARGV: P, id, now. Returns nil for an unknown id, else HGETALL of the job.
local id, nowText = ARGV[2], ARGV[3]
local job = load(id)
if not job then return nil end
if job.status ~= 'running' then
  unindex(id, job)
  local fields = { status = 'pending', nextRunAt = nowText, updatedAt = nowText }
  if job.status ~= 'pending' then
    fields.attempts = '0'
    fields.lockedBy, fields.lockedUntil, fields.lockToken = false, false, false
  end
  save(id, fields)
  for k, v in pairs(fields) do job[k] = v or nil end
  index(id, job, tonumber(nowText))
end
wake()
return redis.call('HGETALL', jobKey(id))
