-- The paused names, in name order (Store.pausedNames).
SELECT name FROM {{schema}}.paused ORDER BY name
