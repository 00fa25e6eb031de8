-- hourglass on PostgreSQL, version 8: which version of each function under functions/ is installed.
-- settle_and_claim() runs settle.sql and claim.sql; until now a migration held a copy of both (003), so a change
-- to the hot path meant copying them into a new migration. From here the migrator builds each function from
-- its file under functions/, which includes the statement files themselves, and (re)installs it with CREATE OR
-- REPLACE whenever the hash of that text differs from the one recorded here (see src/stores/postgres/functions.ts).
CREATE TABLE {{schema}}.functions (
  name         text   PRIMARY KEY,
  hash         text   NOT NULL,
  installed_at bigint NOT NULL
);
