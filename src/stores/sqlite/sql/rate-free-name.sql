-- A name-wide global rate's window (src/core/rules/rate.ts rateFreeAt): the claims in it and its oldest start,
-- a range of hourglass_rate's key ''.
SELECT coalesce(sum(n), 0) AS used, min(at) AS oldest FROM hourglass_rate WHERE name = @name AND rate_key = '' AND at > @since;
