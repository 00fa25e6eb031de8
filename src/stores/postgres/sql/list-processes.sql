-- Every process record kept. Sorted by the store in JavaScript (startedAt, then id as JavaScript compares
-- strings): the table holds one row per process seen in the last hour.
SELECT record FROM {{schema}}.processes;
