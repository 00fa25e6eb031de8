-- 004 history by id: prune takes history records oldest first by insertion (core/rules/prune.ts), so the index
-- of jobs with history, P:hheads, is scored by the id of each job's oldest record instead of its completedAt
-- (P:hjobs). This step only moves the layout number on (O(1)); migrate.ts then moves P:hjobs over in chunks
-- (history_index.lua), as it does after every start.
redis.call('HSET', P .. ':meta', 'layout', '4')
