-- hourglass on PostgreSQL, version 22: the dedupe keys of workflow nodes, whatever their status (insertFlow's
-- once nodes, core rules/flow.ts): a ctx.flow() sub-graph inserted again by a run repeated after a crash finds
-- each of its nodes by its key, even blocked or finished, where jobs_dedupe holds pending and running jobs only.
-- Partial: jobs outside a flow, and nodes without a key, have no entry. A job's dedupe_key and id never change,
-- and its flow only from null to a flow (a dedupe holder adopted by a graph), so claims and settles never write
-- it. Building it reads the whole table under a lock that blocks writes: on millions of kept jobs, run
-- `hourglass migrate` at a quiet moment.
CREATE INDEX IF NOT EXISTS jobs_flow_key ON {{schema}}.jobs (dedupe_key, id) WHERE flow IS NOT NULL AND dedupe_key IS NOT NULL;
