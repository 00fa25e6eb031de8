-- insertFlow: ids for $1 new jobs, drawn up front so the edges can name them in the same transaction.
SELECT nextval('{{schema}}.jobs_id_seq')::text AS id FROM generate_series(1, $1::integer);
