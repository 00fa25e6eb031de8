-- A job's edges to its dependents (rules/flow.ts): a seek on hourglass_edges' primary key.
SELECT child_id, run, done FROM hourglass_edges WHERE parent_id = ?;
