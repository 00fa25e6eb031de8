-- Events of one name sent at or after @since, by sent time, then in the order sent: the caller takes the first that matches
-- (rules/steps.ts firstMatch). Served by hourglass_events_name.
SELECT name, payload, sent_at FROM hourglass_events
WHERE name = @name AND sent_at >= @since
ORDER BY sent_at, seq;
