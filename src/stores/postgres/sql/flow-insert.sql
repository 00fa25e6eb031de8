-- insertFlow: the new jobs of a graph, with their ids, status ('pending', or 'blocked' while they wait), flow
-- and waiting_for. $1 a JSON array (insert.sql's fields plus id, status, flow as JSON text, waiting_for; data as
-- its JSON text, as insert.sql takes it); $2 now. A dedupe key a concurrent transaction took meanwhile fails on
-- jobs_dedupe: the store runs the whole insertFlow again.
INSERT INTO {{schema}}.jobs (id, name, data, status, priority, max_attempts, backoff, timeout_ms, repeat, dedupe_key,
                             label, trace, grp, due_at, next_run_at, created_at, updated_at, flow, waiting_for)
SELECT r.id, r.name, r.data::json, r.status, r.priority, r.max_attempts, r.backoff, r.timeout_ms, r.repeat, r.dedupe_key,
       r.label, r.trace, r.grp, r.due_at, r.next_run_at, $2, $2, r.flow::json, r.waiting_for
FROM jsonb_to_recordset($1::jsonb) AS r(
  id bigint, name text, data text, status text, priority integer, max_attempts integer, backoff jsonb, timeout_ms bigint,
  repeat jsonb, dedupe_key text, label text, trace text, grp text, due_at bigint, next_run_at bigint, flow text, waiting_for integer)
RETURNING *;
