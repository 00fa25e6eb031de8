-- What rules/flow.ts reads of a job along the edges (a Graph node): its status, waiting_for and last_error.
SELECT id, status, waiting_for, last_error FROM hourglass_jobs WHERE id = ?;
