-- One job by id, locked for the rest of the transaction: remove() reads what it cascades from (flow.ts) before
-- remove.sql deletes it. $1 id.
SELECT * FROM {{schema}}.jobs WHERE id = $1 FOR UPDATE
