-- 002 retention indexes: P:f:<status> (finished jobs by finish time) and P:hjobs (jobs by their oldest history
-- record), which prune() reads. Scripts of this version keep both in step from now on; jobs written before
-- are added by backfill.lua in bounded chunks (migrate.ts runs it until done): this step only records the
-- range of ids to visit, so it is O(1) however many jobs the prefix holds. A new prefix has nothing to visit.
local last = tonumber(redis.call('GET', P .. ':id') or '0')
if last > 0 then
  redis.call('HSET', P .. ':meta', 'backfill:next', '1', 'backfill:last', fmt(last))
end
redis.call('HSET', P .. ':meta', 'layout', '2')
