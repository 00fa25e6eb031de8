-- Store.putProcess, second half (same transaction): forget every record last seen before @forget_before, the
-- one just written included when it is that old.
DELETE FROM hourglass_processes WHERE last_seen_at < @forget_before
