-- Jobs by status in all and for each name of $1 (countJobsByName: the overview's and /metrics' counts), in one
-- pass over the table: countJobs() and a countJobs(name) per name read every job twice. A job of a name not
-- asked for counts in the row whose name is NULL. The names join as a hash table (a `name = ANY($1)` test
-- per row would compare each job with every name in the generic plan). $1 the names (distinct).
SELECT k.name, j.status, count(*)::integer AS n
FROM {{schema}}.jobs j
LEFT JOIN unnest($1::text[]) AS k(name) ON k.name = j.name
GROUP BY k.name, j.status;
