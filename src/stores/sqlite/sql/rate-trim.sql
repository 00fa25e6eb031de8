-- Forget one rate key's claims before its window (@since): they can no longer count.
DELETE FROM hourglass_rate WHERE name = @name AND rate_key = @key AND at <= @since;
