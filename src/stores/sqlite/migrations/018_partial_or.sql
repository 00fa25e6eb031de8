-- hourglass on SQLite, version 18: the predicates that SQLite evaluates for every row an INSERT or UPDATE writes
-- (hourglass_jobs' CHECK on status, and four partial indexes' WHERE, for the old row and the new one) written as
-- ORs of equalities instead of IN lists, for speed on the hot path. In such a per-row expression SQLite codes an
-- IN list by building a temporary b-tree of its values each time: nine of them per claimed job, eight per settled
-- job, four per inserted one, ~2 µs of each claim's and each settle's ~7 µs a job. An OR of equalities is a few
-- comparisons (docs/stores/sqlite.md, "Per-row predicates").
--
-- What each index holds and which rows the CHECK admits do not change (x IN (a, b) and (x = a OR x = b) are the
-- same test), so their text is edited in sqlite_schema rather than the table and indexes rebuilt: nothing is
-- written but the schema, whatever the table's size, as migration 011 did for the CHECK. Queries that use these
-- indexes repeat the new predicate, or state an equality that implies it (status = 'completed' implies the OR),
-- since SQLite proves a partial index usable from the text. Idempotent: only text that still reads an IN list is
-- replaced.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'status IN (''pending'', ''running'', ''completed'', ''failed'', ''cancelled'', ''blocked'')',
                       'status = ''pending'' OR status = ''running'' OR status = ''completed'' OR status = ''failed''' ||
                       ' OR status = ''cancelled'' OR status = ''blocked''')
WHERE type = 'table' AND name = 'hourglass_jobs';
UPDATE sqlite_schema
SET sql = replace(sql, 'status IN (''completed'', ''failed'', ''cancelled'')',
                       '(status = ''completed'' OR status = ''failed'' OR status = ''cancelled'')')
WHERE type = 'index' AND name IN ('hourglass_jobs_finished', 'hourglass_jobs_finished_name', 'hourglass_jobs_finished_at');
UPDATE sqlite_schema
SET sql = replace(sql, 'status IN (''pending'', ''running'')', '(status = ''pending'' OR status = ''running'')')
WHERE type = 'index' AND name = 'hourglass_jobs_dedupe_live';
PRAGMA writable_schema = OFF;
