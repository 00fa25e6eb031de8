-- A rate key's window now, for the dashboard (Store.rateWindow, src/core/rules/rate.ts): the claims logged in
-- (@since, @now] and the earliest. A range of hourglass_rate's key, as rate-used.sql reads it for a claim.
SELECT coalesce(sum(n), 0) AS used, min(at) AS oldest FROM hourglass_rate
WHERE name = @name AND rate_key = @key AND at > @since AND at <= @now;
