-- Log @n claims of one rate key at @now, and forget its claims before the window (@since).
INSERT INTO hourglass_rate (name, rate_key, at, n) VALUES (@name, @key, @now, @n)
ON CONFLICT (name, rate_key, at) DO UPDATE SET n = n + excluded.n;
