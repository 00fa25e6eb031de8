-- hourglass on SQLite, version 15: the earliest start of a name's rate windows, by one seek.
--
-- A worker whose claim a global rate held back asks when the window frees (Store.rateFreeAt, rules/rate.ts). With a
-- rate per group that is the earliest start of the name in any group's window: without this index, a range over
-- every group's rows. hourglass_rate holds about one window of rows per key, so building it is quick.
CREATE INDEX IF NOT EXISTS hourglass_rate_first ON hourglass_rate (name, at);
