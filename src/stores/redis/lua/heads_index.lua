-- heads_index: fold up to a chunk of P:readynames (layout 9 and before: every name that may have ready jobs) into
-- P:heads (lib.lua), one short script per chunk. SPOP takes them off the set, so processes folding at once
-- share the work and a fold cut short goes on at the next start. A name whose ready zset is empty gets no entry.
-- ARGV: P, chunk. Returns how many names are left.
for _, name in ipairs(redis.call('SPOP', P .. ':readynames', tonumber(ARGV[2]))) do headFromReady(name) end
return redis.call('SCARD', P .. ':readynames')
