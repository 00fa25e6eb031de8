-- One job by id (Store.getJob). $1 id.
SELECT * FROM {{schema}}.jobs WHERE id = $1
