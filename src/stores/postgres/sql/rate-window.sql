-- A rate key's window now, for the dashboard (Store.rateWindow, src/core/rules/rate.ts): the claims logged in
-- ($4 - $3, $4] and the earliest. A range of rate_starts' primary key (name, rate_key, at).
-- $1 name, $2 rate key ('' for the name), $3 window ms, $4 now.
SELECT coalesce(sum(n), 0)::int AS used, min(at) AS oldest FROM {{schema}}.rate_starts
WHERE name = $1::text AND rate_key = $2::text AND at > $4::bigint - $3::bigint AND at <= $4::bigint;
