-- hourglass on SQLite, version 8: jobs.trace, the trace context of the call that enqueued the job (JobRecord.trace),
-- so its runs join that trace. Adding a nullable column rewrites nothing.
ALTER TABLE hourglass_jobs ADD COLUMN trace TEXT;
