-- The dedupe keys of workflow nodes, whatever their status (insertFlow's once nodes, core rules/flow.ts): a
-- ctx.flow() sub-graph inserted again by a run repeated after a crash finds each of its nodes by its key, even
-- blocked or finished, where the live dedupe index (hourglass_jobs_dedupe_live) holds pending and running jobs
-- only. Partial: jobs outside a flow, and nodes without a key, have no entry. A job's dedupe key and id never
-- change, and its flow only from null to a flow (a dedupe holder adopted by a graph), so claims and settles
-- never write it. Building it reads the table once (SQLite holds the write lock meanwhile): on millions of kept
-- jobs, run `hourglass migrate` at a quiet moment.
CREATE INDEX IF NOT EXISTS hourglass_jobs_flow_key ON hourglass_jobs (dedupe_key, id) WHERE flow IS NOT NULL AND dedupe_key IS NOT NULL;
