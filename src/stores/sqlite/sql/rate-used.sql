-- Claims of one rate key in its window (src/core/rules/rate.ts): a range of hourglass_rate's key.
SELECT coalesce(sum(n), 0) FROM hourglass_rate WHERE name = @name AND rate_key = @key AND at > @since;
