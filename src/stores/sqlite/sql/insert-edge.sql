-- One edge of a new workflow node: parent (its dependency) → child, whether the child runs when the parent
-- fails (onDependencyFailure 'run'), and whether the parent is already done holding it back.
INSERT INTO hourglass_edges (parent_id, child_id, run, done) VALUES (?, ?, ?, ?);
