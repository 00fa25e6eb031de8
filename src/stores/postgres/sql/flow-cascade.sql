-- cancel() and remove(): the job's dependents follow (functions/flow.sql). $1 id, $2 message, $3 now, $4 channel.
SELECT {{schema}}.flow_cascade($1, $2, $3, $4);
