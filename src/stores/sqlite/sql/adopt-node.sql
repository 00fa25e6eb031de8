-- A once node found by its key joins the new graph (rules/flow.ts adoptedFlow): its flow field is rewritten.
UPDATE hourglass_jobs SET flow = ? WHERE id = ?;
