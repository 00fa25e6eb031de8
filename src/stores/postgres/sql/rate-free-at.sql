-- Store.rateFreeAt (src/core/rules/rate.ts rateFreeAt, applied in TypeScript): per globally rate-limited name, in
-- the order given, its RateWindow: the claims in its window and their earliest start. Name-wide ($3 false): its key
-- '' (a range of the primary key). By group ($3 true): the earliest start in any of its keys' windows, one seek of
-- rate_starts_first (migration 021) whatever the number of groups; the count is not needed then.
-- $1 names, $2 windows (perMs), $3 per group, $4 now.
SELECT w.used::integer AS used, w.oldest
FROM unnest($1::text[], $2::bigint[], $3::boolean[]) WITH ORDINALITY AS u(name, per, by_group, ord)
CROSS JOIN LATERAL (
  SELECT CASE WHEN u.by_group THEN 0
              ELSE (SELECT coalesce(sum(s.n), 0) FROM {{schema}}.rate_starts s
                    WHERE s.name = u.name AND s.rate_key = '' AND s.at > $4::bigint - u.per) END AS used,
         CASE WHEN u.by_group
              THEN (SELECT min(s.at) FROM {{schema}}.rate_starts s WHERE s.name = u.name AND s.at > $4::bigint - u.per)
              ELSE (SELECT min(s.at) FROM {{schema}}.rate_starts s
                    WHERE s.name = u.name AND s.rate_key = '' AND s.at > $4::bigint - u.per) END AS oldest
) w
ORDER BY u.ord;
