-- Extend one lease if this worker still holds it; the returned status tells a cancel apart from a loss.
UPDATE hourglass_jobs SET locked_until = @locked_until, updated_at = @now
WHERE id = @id AND lock_token = @token AND status IN ('running', 'cancelled')
RETURNING status;
