-- Store.listProcesses: every record kept (one per process seen within the time writers keep them, an hour).
-- The order (startedAt, then id) is applied in processes.ts, in JavaScript's string order, which SQLite's
-- byte order is not beyond U+FFFF.
SELECT * FROM hourglass_processes
