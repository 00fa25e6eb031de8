-- Retention for history records of jobs that stay (a repeating job keeps one record per run): look only at
-- the @limit oldest records by id and delete those that completed before @before. Records are inserted when
-- runs end, so id order is completion order up to clock differences between hosts; a record inserted out of
-- that order waits until the ones before it expire. No index on completed_at is needed, and a sweep never
-- reads more than @limit records, however long the history.
DELETE FROM hourglass_history
WHERE id IN (SELECT id FROM (SELECT id, completed_at FROM hourglass_history ORDER BY id LIMIT @limit)
             WHERE completed_at < @before);
