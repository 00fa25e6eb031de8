-- A job woken by an event (rules/steps.ts wokenRecord): due now, or as early as it already was.
UPDATE hourglass_jobs
SET next_run_at = MIN(next_run_at, @now), updated_at = @now
WHERE id = @id;
