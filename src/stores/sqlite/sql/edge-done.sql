-- An edge whose dependency no longer holds its dependent back (rules/flow.ts markDone).
UPDATE hourglass_edges SET done = 1 WHERE parent_id = ? AND child_id = ?;
