-- cancel: pending or blocked -> cancelled (never runs); running -> cancelled with the lock kept, so the worker still
-- settles it and heartbeat() tells it to stop; finished jobs are left as they are.
-- ARGV: P, id, now. Returns nil for an unknown id, else { previous status, HGETALL of the job }.
local id = ARGV[2]
local job = load(id)
if not job then return nil end
local previous = job.status
if previous == 'pending' or previous == 'running' or previous == 'blocked' then
  unindex(id, job)
  save(id, { status = 'cancelled', updatedAt = ARGV[3] })
  job.status, job.updatedAt = 'cancelled', ARGV[3]
  index(id, job, tonumber(ARGV[3]))
  -- A workflow node's dependents follow (shared/flow.lua).
  if job.flow then flowCascade(id, dependencyError(job.flow, job.name, 'cancelled'), tonumber(ARGV[3])) end
  wake()
end
return { previous, redis.call('HGETALL', jobKey(id)) }
