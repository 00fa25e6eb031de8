-- insertFlow: the edges of a graph (dependency → dependent, the dependent's onDependencyFailure is 'run').
-- $1 parent ids, $2 child ids, $3 run flags, $4 done flags (a dependency found completed: rules/flow.ts
-- holdsBackAtInsert).
INSERT INTO {{schema}}.edges (parent_id, child_id, run, done)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::boolean[], $4::boolean[]);
