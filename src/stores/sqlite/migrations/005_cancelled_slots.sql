-- A job cancelled while it ran keeps its lock until its handler returns and it settles; until then it still
-- takes a slot of its name's concurrency (rules/claim.ts: takesSlot). This index holds only those few rows.
CREATE INDEX hourglass_jobs_cancelled_held ON hourglass_jobs (name, locked_until)
  WHERE status = 'cancelled' AND lock_token IS NOT NULL;
