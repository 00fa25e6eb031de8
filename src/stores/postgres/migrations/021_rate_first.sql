-- hourglass on PostgreSQL, version 21: the earliest start of a name's rate windows, by one seek.
--
-- A worker whose claim a global rate held back asks when the window frees (Store.rateFreeAt, rules/rate.ts). With a
-- rate per group that is the earliest start of the name in any group's window: without this index, a range over
-- every group's rows of rate_starts. The table holds about one window of rows per key (each claim trims its key's),
-- so building it under the migration's lock takes a moment, and never rewrites jobs.
CREATE INDEX IF NOT EXISTS rate_starts_first ON {{schema}}.rate_starts (name, at);
