-- A job's status after suspend's settle.sql: a suspension that left it pending registers its wait and entry.
-- $1 id.
SELECT status FROM {{schema}}.jobs WHERE id = $1
