-- rows: the jobs of some ids, in the order given (HGETALL each; an id with no job is left out). Read only.
-- ARGV: P, ids... Used by walk.ts to read the page a sorted walk chose, in one trip.
local out = {}
for i = 2, #ARGV do
  local flat = redis.call('HGETALL', jobKey(ARGV[i]))
  if #flat > 0 then out[#out + 1] = flat end
end
return out
