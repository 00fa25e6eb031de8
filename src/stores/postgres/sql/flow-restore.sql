-- trigger(): the job's dependents a cascade cancelled wait again (functions/flow.sql). $1 id, $2 now.
SELECT {{schema}}.flow_restore($1, $2);
