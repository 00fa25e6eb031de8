-- Jobs for listings and the dashboard (rules/query.ts: matchesQuery, compareJobs). list.ts fills in the
-- placeholders from fixed texts, never from input: {{status}} (empty, or `AND status = '<one status>'` when the
-- query has one that is not pending: a partial index on a status is then provably usable, see list.ts),
-- {{repeating}} (empty, or `AND repeat IS NOT NULL`, spelled as the partial index jobs_repeating's predicate so
-- the planner may use it) and {{order}} (the field and
-- direction, nulls last, then id in the same direction; newest first by default walks the primary key) and
-- {{group}} (empty, or `AND grp = $6::text`: the group's jobs by id, index jobs_group, migration 020).
-- $1 statuses (NULL: all), $2 name (NULL: all), $3 limit, $4 offset, $5 text (NULL: any), already lower-cased
-- in A-Z only (src/core/rules/query.ts).
-- The text search is a substring of the name, label, data's JSON text (stored as given: json, migration 006)
-- or lastError, ignoring the case of A-Z alone (translate(), not lower(): lower() follows the collation and
-- would fold other letters too). strpos, not LIKE: '%' and '_' in the text are plain characters. It scans,
-- bounded by $3: the dashboard's search. An order no index serves is a top-N sort of the jobs the filters keep.
SELECT * FROM {{schema}}.jobs
WHERE ($1::text[] IS NULL OR status = ANY($1::text[]))
  {{status}}
  AND ($2::text IS NULL OR name = $2::text)
  {{repeating}}
  {{group}}
  AND ($5::text IS NULL
       OR strpos(translate(name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), $5::text) > 0
       OR strpos(translate(coalesce(label, ''), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), $5::text) > 0
       OR strpos(translate(coalesce(data::text, 'null'), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), $5::text) > 0
       OR strpos(translate(coalesce(last_error, ''), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), $5::text) > 0)
ORDER BY {{order}}
LIMIT $3 OFFSET $4;
