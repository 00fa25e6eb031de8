-- hourglass on PostgreSQL, version 7: the stack of the error behind last_error, and of each failed run in
-- history (bounded by the core: see src/core/outcome.ts). Nullable columns without a default only change the
-- catalog: instant on tables of any size.
ALTER TABLE {{schema}}.jobs ADD COLUMN last_error_stack text;
ALTER TABLE {{schema}}.history ADD COLUMN stack text;
