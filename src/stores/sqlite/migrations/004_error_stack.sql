-- Where a run failed, not only what it said: the stack of the error behind last_error, and of each failed run in
-- the history (bounded by the core, see outcome.ts). NULL when there is none, and for rows written before this.
ALTER TABLE hourglass_jobs ADD COLUMN last_error_stack TEXT;
ALTER TABLE hourglass_history ADD COLUMN stack TEXT;
