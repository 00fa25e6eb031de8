-- hourglass on PostgreSQL, version 10: a job cancelled while it ran keeps its name's `global` slot until its
-- run settles or its lease ends (src/core/rules/claim.ts, takesSlot): its handler may still be executing.
-- claim.sql counts those jobs through this index, which holds only cancelled jobs still carrying a run's lock
-- (a handful), not the cancelled jobs kept for history (any number). Building it reads the whole table under
-- a lock that blocks writes: on millions of kept jobs, run `hourglass migrate` at a quiet moment.
CREATE INDEX jobs_cancelled_held ON {{schema}}.jobs (name, locked_until)
  WHERE status = 'cancelled' AND lock_token IS NOT NULL;
