-- Events by the time they were sent, for retention (Store.pruneEvents, core rules/steps.ts eventForgotten): a
-- sweep forgets every event past EVENT_RETENTION_MS with one range of this index, whatever its name, where
-- hourglass_events_name serves only one name at a time (sendEvent forgets its own name's). The table holds a
-- day of events at most once retention runs, so building it is quick.
CREATE INDEX IF NOT EXISTS hourglass_events_sent ON hourglass_events (sent_at);
