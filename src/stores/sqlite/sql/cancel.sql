-- Pending, blocked or running → cancelled. A running job keeps its lock so its worker still settles it (as cancelled).
UPDATE hourglass_jobs SET status = 'cancelled', updated_at = @now
WHERE id = @id AND status IN ('pending', 'running', 'blocked')
RETURNING *;
