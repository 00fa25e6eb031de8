-- A name for people beside the handler's name (JobOptions.label; the HTTP API's display name). Never used to
-- find a job, so no index.
ALTER TABLE hourglass_jobs ADD COLUMN label TEXT;
