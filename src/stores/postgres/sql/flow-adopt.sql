-- insertFlow: a dedupe holder becomes a dependency (rules/flow.ts adoptedFlow): its new flow. $1 id, $2 flow text.
UPDATE {{schema}}.jobs SET flow = $2::json WHERE id = $1 RETURNING *;
