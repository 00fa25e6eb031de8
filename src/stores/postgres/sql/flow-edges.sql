-- insertFlow: the edges of a graph (dependency → dependent, the dependent's onDependencyFailure is 'run').
-- $1 parent ids, $2 child ids, $3 run flags.
INSERT INTO {{schema}}.edges (parent_id, child_id, run)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::boolean[]);
