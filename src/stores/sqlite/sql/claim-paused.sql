-- The paused names (Store.pause), read once per claim: their jobs are never taken.
SELECT name FROM hourglass_paused;
