-- remove(), after flow-cascade and before the delete: the job's edges still not done stop holding their dependents
-- back (rules/flow.ts removed), done and counted down as for a success (functions/flow.sql). $1 id, $2 now, $3 channel.
SELECT {{schema}}.flow_completed($1, $2, $3);
