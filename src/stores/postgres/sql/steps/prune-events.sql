-- Retention of events (Store.pruneEvents): forget every event sent before $1, whatever its name (events_sent,
-- migration 023). Returns how many.
WITH forgotten AS (
  DELETE FROM {{schema}}.events WHERE sent_at < $1 RETURNING 1
)
SELECT count(*)::integer AS n FROM forgotten;
