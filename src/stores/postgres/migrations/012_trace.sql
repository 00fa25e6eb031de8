-- hourglass on PostgreSQL, version 12: jobs.trace, the trace context of the call that enqueued the job
-- (JobRecord.trace), so its runs join that trace. A nullable column without a default: catalog-only, instant.
ALTER TABLE {{schema}}.jobs ADD COLUMN trace text;
