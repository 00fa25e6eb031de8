-- Release a named lock if this owner holds it; a row comes back iff it did. $1 name, $2 owner.
DELETE FROM {{schema}}.locks WHERE name = $1 AND owner = $2 RETURNING name
