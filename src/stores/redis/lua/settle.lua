-- settle: apply the core's decisions for many finished runs, in one atomic step.
-- ARGV: P, count, then per settlement 11 values:
--   id, lockToken, status (pending|completed|failed), nextRunAt, dueAt, attempts ('' = keep),
--   result, lastError (tri-state, see patchValue), finishedAt, historyStatus, historyBody ('' = no history)
-- Returns per settlement 1 (applied) or 0 (the lease was lost: another token, or the job is gone).
local count = tonumber(ARGV[2])
local FIELDS = 11
local out = {}
local changes = batch()

for i = 0, count - 1 do
  local a = 2 + i * FIELDS
  local id, token, status = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local finishedAt = ARGV[a + 9]
  local f = redis.call('HMGET', jobKey(id), 'status', 'lockToken', 'name', 'priority', 'nextRunAt', 'dedupeKey')
  local job = { status = f[1], lockToken = f[2], name = f[3], priority = f[4], nextRunAt = f[5], dedupeKey = f[6] or nil }
  if not f[1] or job.lockToken ~= token or (job.status ~= 'running' and job.status ~= 'cancelled') then
    out[#out + 1] = 0
  else
    local fields = { lockedBy = false, lockedUntil = false, lockToken = false, lastFinishedAt = finishedAt, updatedAt = finishedAt }
    local result, lastError = patchValue(ARGV[a + 7]), patchValue(ARGV[a + 8])
    if result ~= nil then fields.result = result end
    if lastError ~= nil then fields.lastError = lastError end
    local historyStatus = ARGV[a + 10]
    if job.status == 'cancelled' then
      -- cancel() won the race: the job stays cancelled; only the lock goes and the run is recorded.
      historyStatus = 'cancelled'
      save(id, fields)
    else
      -- Leaves 'running': the running indexes are updated in one command each at the end.
      changes.add('ZREM', P .. ':s:running', id)
      changes.add('ZREM', P .. ':ns:running:' .. job.name, id)
      changes.add('ZREM', P .. ':locked', id)
      fields.status = status
      if ARGV[a + 4] ~= '' then fields.nextRunAt = ARGV[a + 4] end
      if ARGV[a + 5] ~= '' then fields.dueAt = ARGV[a + 5] end
      if ARGV[a + 6] ~= '' then fields.attempts = ARGV[a + 6] end
      save(id, fields)
      if status == 'pending' then
        for k, v in pairs(fields) do job[k] = v or nil end
        index(id, job, tonumber(finishedAt))
      else
        changes.add('ZADD', P .. ':s:' .. status, id, id)
        changes.add('ZADD', P .. ':ns:' .. status .. ':' .. job.name, id, id)
        if job.dedupeKey and redis.call('HGET', P .. ':dedupe', job.dedupeKey) == id then
          redis.call('HDEL', P .. ':dedupe', job.dedupeKey)
        end
      end
    end
    if ARGV[a + 11] ~= '' then addHistory(id, historyStatus, ARGV[a + 11]) end
    out[#out + 1] = 1
  end
end

changes.flush()
wake()
return out
