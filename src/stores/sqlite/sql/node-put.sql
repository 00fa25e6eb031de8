-- What rules/flow.ts changes of a job along the edges: its status, waiting_for and last_error.
UPDATE hourglass_jobs SET status = @status, waiting_for = @waiting_for, last_error = @last_error, updated_at = @now WHERE id = @id;
