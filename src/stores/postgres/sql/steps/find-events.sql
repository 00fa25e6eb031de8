-- Events of one name sent at or after $2, by sent time, then in the order sent: the caller takes the first that matches
-- (rules/steps.ts firstMatch). Served by events_name.
SELECT name, payload, sent_at FROM {{schema}}.events
WHERE name = $1 AND sent_at >= $2
ORDER BY sent_at, seq;
