-- trigger: run now. pending -> nextRunAt = now; completed/failed/cancelled -> pending with attempts 0;
-- running is left as it is. dueAt is kept, so a repeat's next occurrence does not drift. The lock fields go
-- (a job cancelled while it ran still carries that run's token, which must not settle the new run).
-- A finished job whose dedupe key another job takes (live, or within its dedupeFor period) is left as it is:
-- never two holders. Within its own period the job is the holder, and runs again.
-- ARGV: P, id, now. Returns nil for an unknown id, { 'conflict', holder id, dedupe key } (the client raises
-- DedupeConflictError), else { 'job', HGETALL of the job }.
local id, nowText = ARGV[2], ARGV[3]
local job = load(id)
if not job then return nil end
if TERMINAL[job.status] and job.dedupeKey then
  local holder = dedupeHolder(job.dedupeKey, tonumber(nowText))
  if holder and holder ~= id then return { 'conflict', holder, job.dedupeKey } end
end
if job.status ~= 'running' and job.status ~= 'blocked' then
  local previous = job.status
  -- A finished job starts a new cycle without its durable entries (rules/steps.ts triggerStartsCycle).
  if TERMINAL[job.status] then redis.call('DEL', P .. ':steps:' .. id) end
  unindex(id, job)
  -- A workflow node that still waits for dependencies waits again (rules/flow.ts).
  local fields = { status = tonumber(job.waitingFor or '0') > 0 and 'blocked' or 'pending', nextRunAt = nowText, updatedAt = nowText }
  if job.status ~= 'pending' then fields.attempts = '0' end
  -- ...its cascade's error cleared (core rules/lifecycle.ts triggeredRecord).
  if fields.status == 'blocked' then fields.lastError = false end
  fields.lockedBy, fields.lockedUntil, fields.lockToken = false, false, false
  save(id, fields)
  for k, v in pairs(fields) do job[k] = v or nil end
  index(id, job, tonumber(nowText))
  -- Its dependents a cascade cancelled wait again (shared/flow.lua).
  if TERMINAL[previous] and job.flow then flowRestore(id, tonumber(nowText)) end
end
wake()
return { 'job', redis.call('HGETALL', jobKey(id)) }
