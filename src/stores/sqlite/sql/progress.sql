UPDATE hourglass_jobs SET progress = @progress, updated_at = @now
WHERE id = @id AND lock_token = @token AND status = 'running';
